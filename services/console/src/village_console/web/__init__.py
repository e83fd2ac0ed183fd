"""The console's pages: server-rendered, progressively enhanced (no front-end build step).

`install_web(app, settings)` adds the session, the static files and the page routes to the
console service; `serving(app, settings)` builds the services client in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

from village_platform.errors import DomainError, Problem
from village_platform.settings import Settings

from ..reads import Viewer
from . import actions, live, oidc, pages, signin
from .config import WebSettings, web_problems
from .deps import ConsoleWeb, OwnTimeline
from .rendering import HERE, render
from .services import ApiProblem, Services
from .session import CsrfRefused, SignInRequired
from .warroom import TIMELINE_LIMIT

SESSION_COOKIE = "village_console"


def install_web(app: FastAPI, settings: Settings, web: WebSettings | None = None) -> None:
    web = web or WebSettings()
    problems = web_problems(web, settings.is_development)
    if problems:
        raise RuntimeError("the console cannot serve its pages: " + "; ".join(problems))
    app.state.web_settings = web
    # Innermost, after the request limits: a cookie is read only once the sizes are checked.
    app.user_middleware.append(
        Middleware(
            SessionMiddleware,
            secret_key=web.session_secret,
            session_cookie=SESSION_COOKIE,
            max_age=web.session_max_age_seconds,
            same_site="lax",
            https_only=(
                web.secure_cookie if web.secure_cookie is not None else not settings.is_development
            ),
        )
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="console-static")
    for router in (signin.router, oidc.router, pages.router, actions.router, live.router):
        app.include_router(router)

    @app.exception_handler(SignInRequired)
    async def _sign_in_first(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        problem = ApiProblem(403, "Form expired", "reload the page and submit the form again")
        return render(request, "error.html", 403, problem=problem)

    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem) -> Response:
        if exc.status == 401:  # the token expired or the key rotated: sign in again
            request.session.clear()
            return RedirectResponse("/signin", status_code=303)
        return render(request, "error.html", exc.status, problem=exc)


def own_timeline(app: FastAPI) -> OwnTimeline:
    """The console's own joined timeline (its read model, in this process), newest first, as
    the signed-in party may see it; None when it cannot be read (the page then shows the
    incidents service's)."""

    async def read(token: str, incident_id: str) -> list[dict[str, Any]] | None:
        try:
            principal = await app.state.authenticator.principal(token)
            async with app.state.engine.connect() as conn:
                page = await app.state.timeline.page(
                    conn, incident_id, Viewer.of(principal), None, TIMELINE_LIMIT, newest_first=True
                )
        except (DomainError, Problem, AttributeError):
            return None
        return page["items"]

    return read


@asynccontextmanager
async def serving(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    services = Services(settings)
    web = app.state.web_settings
    app.state.console_web = ConsoleWeb(
        settings, web, services, oidc.oidc_client(web), own_timeline(app)
    )
    try:
        yield
    finally:
        await services.aclose()
