"""Steps and sizes the browser tests share."""

from __future__ import annotations

from playwright.sync_api import Page, expect

LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


def sign_in(page: Page, console: str, party: str, role: str = "agent") -> None:
    page.goto(f"{console}/signin")
    page.check(f'input[name="party"][value="{party}"]')
    page.check(f'input[name="role"][value="{role}"]')
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{console}/work")


def add_note(page: Page, visibility: str, body: str) -> None:
    page.get_by_label("Note", exact=True).fill(body)
    page.locator(f'#note input[name="visibility"][value="{visibility}"]').check()
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".note-body", has_text=body)).to_be_visible()
