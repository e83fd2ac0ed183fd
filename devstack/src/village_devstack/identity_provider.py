"""A small identity provider for tests: asymmetric signing keys (RSA, EC) published as a JWKS
over real HTTP on 127.0.0.1, rotated and retired on demand, and tokens for parties' users and
machine-to-machine clients, as an OIDC provider would issue them.

    with IdentityProvider() as idp:
        env = idp.service_env()               # VILLAGE_JWKS_URL, VILLAGE_JWT_ISSUER, ...
        token = idp.token("northwind")        # signed with the current key
        new = idp.rotate()                    # a new current key; the old one stays published
        idp.retire(old_kid)                   # no longer published

It is also a small OpenID Connect provider for a web client (the console's sign-in): discovery,
an authorization endpoint that signs in the user the test chose (`sign_in_as`, no login form)
and a token endpoint for the authorization code with PKCE (S256 only).

        idp.register_client("village-console", "http://127.0.0.1:8000/signin/oidc/callback")
        idp.sign_in_as("northwind", roles=["agent"])
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

JWKS_PATH = "/.well-known/jwks.json"
DISCOVERY_PATH = "/.well-known/openid-configuration"
AUTHORIZE_PATH, TOKEN_PATH = "/authorize", "/token"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str  # RS256 | ES256
    private_key: Any

    def public_jwk(self) -> dict[str, Any]:
        exporter = RSAAlgorithm if self.algorithm == "RS256" else ECAlgorithm
        jwk = exporter.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}


def new_key(algorithm: str = "RS256") -> SigningKey:
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError(f"no test keys for {algorithm}")
    return SigningKey(f"{algorithm.lower()}-{uuid.uuid4().hex[:8]}", algorithm, private)


class IdentityProvider:
    def __init__(
        self,
        *,
        issuer: str = "https://idp.village.test/",
        audience: str = "village-api",
        algorithm: str = "RS256",
    ) -> None:
        self.issuer, self.audience = issuer, audience
        self.current = new_key(algorithm)
        self._published: dict[str, SigningKey] = {self.current.kid: self.current}
        self._all: dict[str, SigningKey] = dict(self._published)
        self._lock = threading.Lock()
        self.jwks_requests = 0
        self.available = True  # False: the endpoint answers 503 (an outage)
        self.clients: dict[str, str] = {}  # OIDC client id -> its redirect URI
        self.user: tuple[str, tuple[str, ...]] | None = None  # who /authorize signs in
        self._codes: dict[str, dict[str, Any]] = {}  # authorization code -> its grant
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="test-idp", daemon=True
        )

    # -- the HTTP endpoint ----------------------------------------------------------------

    @property
    def jwks_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{JWKS_PATH}"

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [key.public_jwk() for key in self._published.values()]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path == DISCOVERY_PATH:
                    return self._json(200, provider.discovery())
                if path == AUTHORIZE_PATH:
                    status, location = provider.authorize(parse_qs(query))
                    self.send_response(status)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path != JWKS_PATH:
                    self.send_error(404)
                    return
                with provider._lock:
                    provider.jwks_requests += 1
                if not provider.available:
                    self.send_error(503)
                    return
                body = json.dumps(provider.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                if self.path != TOKEN_PATH:
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                self._json(*provider.exchange(form))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def service_env(self, **extra: str) -> dict[str, str]:
        """The environment that makes a Village service trust this provider."""
        return {
            "VILLAGE_JWKS_URL": self.jwks_url,
            "VILLAGE_JWT_ISSUER": self.issuer,
            "VILLAGE_JWT_AUDIENCE": self.audience,
            **extra,
        }

    # -- OpenID Connect (authorization code with PKCE) ----------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def discovery_url(self) -> str:
        return self.base_url + DISCOVERY_PATH

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.base_url + AUTHORIZE_PATH,
            "token_endpoint": self.base_url + TOKEN_PATH,
            "jwks_uri": self.jwks_url,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.current.algorithm],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
        }

    def register_client(self, client_id: str, redirect_uri: str) -> None:
        self.clients[client_id] = redirect_uri

    def sign_in_as(self, party: str, roles: Iterable[str] = ("agent",)) -> None:
        self.user = (party, tuple(roles))

    def authorize(self, query: dict[str, list[str]]) -> tuple[int, str]:
        """The authorization endpoint: a code for the chosen user, bound to the PKCE challenge."""
        one = {k: v[0] for k, v in query.items()}
        client, redirect = one.get("client_id", ""), one.get("redirect_uri", "")
        if self.clients.get(client) != redirect or self.user is None:
            return 400, "about:blank"  # never redirect to a URI the client did not register
        if one.get("response_type") != "code" or one.get("code_challenge_method") != "S256":
            error = {"error": "invalid_request", "state": one.get("state", "")}
            return 302, f"{redirect}?{urlencode(error)}"
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {
                "client_id": client,
                "redirect_uri": redirect,
                "challenge": one.get("code_challenge", ""),
                "nonce": one.get("nonce"),
                "user": self.user,
            }
        sep = "&" if urlsplit(redirect).query else "?"
        return 302, f"{redirect}{sep}{urlencode({'code': code, 'state': one.get('state', '')})}"

    def exchange(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: a code once, for the client and verifier it was issued to."""
        one = {k: v[0] for k, v in form.items()}
        with self._lock:
            grant = self._codes.pop(one.get("code", ""), None)
        verifier = one.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (
            one.get("grant_type") != "authorization_code"
            or grant is None
            or grant["client_id"] != one.get("client_id")
            or grant["redirect_uri"] != one.get("redirect_uri")
            or not secrets.compare_digest(grant["challenge"], challenge)
        ):
            return 400, {"error": "invalid_grant"}
        party, roles = grant["user"]
        extra = {"nonce": grant["nonce"]} if grant["nonce"] else {}
        return 200, {
            "access_token": self.token(party, roles=roles),
            "id_token": self.token(party, roles=roles, aud=grant["client_id"], **extra),
            "token_type": "Bearer",
            "expires_in": 900,
        }

    # -- keys -----------------------------------------------------------------------------

    def rotate(self, algorithm: str = "RS256") -> SigningKey:
        """A new current signing key, published next to the old ones."""
        key = new_key(algorithm)
        with self._lock:
            self._published[key.kid] = self._all[key.kid] = key
            self.current = key
        return key

    def retire(self, kid: str) -> None:
        """Stop publishing `kid` (tokens it signed must stop verifying)."""
        with self._lock:
            del self._published[kid]

    # -- tokens ---------------------------------------------------------------------------

    def token(
        self,
        party: str | None,
        *,
        roles: Iterable[str] | str = ("agent",),
        subject: str | None = None,
        kid: str | None = None,
        key: SigningKey | None = None,
        ttl: timedelta = timedelta(minutes=15),
        party_claim: str = "party",
        roles_claim: str = "roles",
        **claims: Any,
    ) -> str:
        """A user's token (`subject`: the user) or a machine client's (`subject`: the client id).
        Signed with the current key, the key `kid`, or `key` (one never published); `claims` add
        or override claims (`iss=`, `aud=`, `party_kind=`, `exp=`...)."""
        key = key or (self._all[kid] if kid else self.current)
        now = datetime.now(UTC)
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or f"{party}-user",
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            roles_claim: roles if isinstance(roles, str) else sorted(roles),
        }
        if party is not None:
            body[party_claim] = party
        body.update(claims)
        return jwt.encode(body, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})
