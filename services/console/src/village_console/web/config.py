"""The console's web settings: the session key and, in production, the identity provider."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Public on purpose, like the development JWT secret: accepted only in development mode.
DEV_SESSION_SECRET = "village-console-development-session-key-not-secret"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    session_secret: str = Field(default=DEV_SESSION_SECRET, alias="CONSOLE_SESSION_SECRET")
    session_max_age_seconds: int = Field(default=12 * 3600, alias="CONSOLE_SESSION_MAX_AGE")
    # The session cookie is Secure (https only) outside development unless this says otherwise:
    # only for a test over plain http on loopback.
    secure_cookie: bool | None = Field(default=None, alias="CONSOLE_SECURE_COOKIE")
    # Production sign-in: OIDC authorization code + PKCE against the provider's discovery.
    oidc_discovery_url: str | None = Field(default=None, alias="CONSOLE_OIDC_DISCOVERY_URL")
    oidc_client_id: str | None = Field(default=None, alias="CONSOLE_OIDC_CLIENT_ID")
    oidc_client_secret: str | None = Field(default=None, alias="CONSOLE_OIDC_CLIENT_SECRET")
    oidc_scope: str = Field(default="openid profile", alias="CONSOLE_OIDC_SCOPE")


def web_problems(web: WebSettings, development: bool) -> list[str]:
    """Why the console's pages must not be served with these settings (empty: they may)."""
    found = []
    if len(web.session_secret.encode()) < 32:
        found.append("CONSOLE_SESSION_SECRET must be at least 32 bytes")
    if not development:
        if web.session_secret == DEV_SESSION_SECRET:
            found.append("set CONSOLE_SESSION_SECRET to a secret of your own")
        if not (web.oidc_discovery_url and web.oidc_client_id):
            found.append(
                "set CONSOLE_OIDC_DISCOVERY_URL and CONSOLE_OIDC_CLIENT_ID (production sign-in)"
            )
    return found
