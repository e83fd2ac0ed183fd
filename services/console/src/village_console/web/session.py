"""Who is signed in (their party's token, kept in the signed session cookie) and the CSRF token
every form carries."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

SESSION_KEYS = ("token", "party", "kind", "name", "role", "user")


class SignInRequired(Exception):
    """No one is signed in: the page redirects to the sign-in page."""


class CsrfRefused(Exception):
    """A form POST without the session's CSRF token."""


@dataclass(frozen=True)
class SignedIn:
    token: str
    party: str
    kind: str
    name: str
    role: str
    user: str

    @property
    def is_provider(self) -> bool:
        return self.kind == "provider"


def sign_in(request: Request, **values: str) -> None:
    # A fresh session: nothing of a previous sign-in (or a planted cookie) survives.
    request.session.clear()
    request.session.update({k: values[k] for k in SESSION_KEYS})
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, form: Any) -> None:
    sent, expected = form.get("csrf_token"), request.session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)):
        raise CsrfRefused()


async def signed_in(request: Request) -> SignedIn:
    session = request.session
    if not all(isinstance(session.get(k), str) for k in SESSION_KEYS):
        raise SignInRequired()
    me = request.state.me = SignedIn(**{k: session[k] for k in SESSION_KEYS})
    return me


Me = Annotated[SignedIn, Depends(signed_in)]
