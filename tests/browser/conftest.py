"""Browser fixtures: headless Chromium (Debian's `chromium`) and Firefox (Debian's `firefox-esr`,
over WebDriver BiDi through bidi_relay.py), driven by Playwright; nothing is downloaded at run
time. Every page a test opens fails the test on a browser console error, and
`checked(page, name)` saves a screenshot under tests/browser/artifacts/ and runs axe-core on it
(no serious or critical violation)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_steps import LAPTOP
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
ARTIFACTS = Path(__file__).parent / "artifacts"
SERIOUS = ("serious", "critical")


# Per module: Playwright's sync API drives its own event loop on this thread while it runs,
# which the async tests of later modules need free.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


# Per module, and one browser kind per module: two sync Playwrights cannot run at once.
@pytest.fixture(scope="module")
def firefox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not os.access(FIREFOX, os.X_OK):
        pytest.fail(f"{FIREFOX} is missing: `make browser` installs Debian's firefox-esr")
    # Playwright starts the relay as if it were Firefox (see bidi_relay.py for why).
    launcher = tmp_path_factory.mktemp("firefox") / "firefox"
    relay = Path(__file__).parent / "bidi_relay.py"
    launcher.write_text(f'#!/bin/sh\nFIREFOX="{FIREFOX}" exec "{sys.executable}" "{relay}" "$@"\n')
    launcher.chmod(0o755)
    with sync_playwright() as playwright:
        # Firefox starts slowly on a loaded machine (50 s measured under a load of 17).
        launched = playwright.firefox.launch(
            channel="moz-firefox", executable_path=str(launcher), headless=True, timeout=300_000
        )
        yield launched
        launched.close()


class PageOpener:
    """`new_page(viewport=LAPTOP)`: a page in a context of its own (its own cookies, so one
    party per page); any console error or uncaught exception on it fails the test, except a
    page the test means to be refused: `new_page.allow_status(404)` lets the browser's
    "Failed to load resource: ... status of 404" through."""

    def __init__(self, open_page: Callable[..., Page], allowed: set[int]) -> None:
        self.open_page, self.allowed = open_page, allowed

    def __call__(self, viewport: dict[str, int] = LAPTOP) -> Page:
        return self.open_page(viewport)

    def allow_status(self, *codes: int) -> None:
        self.allowed.update(codes)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageOpener]:
    yield from pages_of(browser)


@pytest.fixture
def new_firefox_page(firefox: Browser) -> Iterator[PageOpener]:
    yield from pages_of(firefox)


def pages_of(browser: Browser) -> Iterator[PageOpener]:
    contexts, errors, allowed = [], [], set()

    def expected(text: str) -> bool:
        return any(f"status of {code} " in text for code in allowed)

    def open_page(viewport: dict[str, int] = LAPTOP) -> Page:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                errors.append(f"{page.url}: {m.text}")
                if m.type == "error" and not expected(m.text)
                else None
            ),
        )
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        return page

    yield PageOpener(open_page, allowed)
    for context in contexts:
        context.close()
    assert not errors, "browser console errors:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()  # axe-core bundled in the wheel: works offline


@pytest.fixture
def checked(axe: Axe) -> Callable[[Page, str], dict[str, Any]]:
    """`checked(page, name)`: screenshot to artifacts/<name>.png, then axe-core on the page."""
    ARTIFACTS.mkdir(exist_ok=True)

    def check(page: Page, name: str) -> dict[str, Any]:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        results = axe.run(page)
        serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
        assert not serious, f"{name}: accessibility violations:\n" + "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in serious
        )
        return results.response

    return check
