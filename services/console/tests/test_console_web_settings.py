"""The console refuses to serve its pages on settings that would make its session forgeable or
leave production without a way to sign in."""

from __future__ import annotations

from village_console.web.config import DEV_SESSION_SECRET, WebSettings, web_problems
from village_console.web.rendering import clock_state, duration

OWN_SECRET = "a-session-secret-of-our-own-0123456789"


def test_development_serves_with_the_public_session_key() -> None:
    assert web_problems(WebSettings(), development=True) == []


def test_production_wants_its_own_session_key_and_an_identity_provider() -> None:
    problems = web_problems(WebSettings(CONSOLE_SESSION_SECRET=DEV_SESSION_SECRET), False)
    assert any("CONSOLE_SESSION_SECRET" in p for p in problems)
    assert any("CONSOLE_OIDC_DISCOVERY_URL" in p for p in problems)
    configured = WebSettings(
        CONSOLE_SESSION_SECRET=OWN_SECRET,
        CONSOLE_OIDC_DISCOVERY_URL="https://idp.example/.well-known/openid-configuration",
        CONSOLE_OIDC_CLIENT_ID="village-console",
    )
    assert web_problems(configured, development=False) == []


def test_a_short_session_key_is_refused_everywhere() -> None:
    assert web_problems(WebSettings(CONSOLE_SESSION_SECRET="short"), development=True)


def test_durations_and_clock_states_read_as_words() -> None:
    assert (duration(3900), duration(250), duration(-180), duration(None)) == (
        "1 h 05 min",
        "4 min 10 s",
        "-3 min 00 s",
        "—",
    )
    assert clock_state({"breached": True}) == "breached"
    assert clock_state({"state": "running", "warnings_fired": [50, 75]}) == "warning (75 %)"
    assert clock_state({"state": "stopped", "outcome": "met"}) == "met"
    assert clock_state({"state": "running", "warnings_fired": []}) == "on track"
