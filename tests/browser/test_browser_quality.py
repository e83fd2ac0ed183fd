"""What a person notices, in Chromium against the real village: the console works from the
keyboard alone (sign in, reach the war room, write a note choosing who reads it, submit; the focus
always visible), every page reads at a tablet's width as at a laptop's (axe-core, screenshots, no
console error, no sideways scrolling), and colour is never the only signal: each note says its
visibility and each SLA clock its state in words."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from browser_steps import LAPTOP, TABLET, sign_in
from playwright.sync_api import Page, expect

LIVE = 10_000  # ms: the SLA monitor's clocks reach an open war room through the broker
VISIBILITIES = ("internal", "restricted", "shared")

# The focused element, and whether the focus shows (an outline drawn around it).
FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"),
    value: el.value ?? null, checked: el.checked ?? null, href: el.getAttribute("href"),
    text: (el.textContent || "").trim().slice(0, 80),
    shows: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
  };
}"""


def press_until(
    page: Page, wanted: Callable[[dict[str, Any]], bool], key: str = "Tab", most: int = 80
) -> dict[str, Any]:
    """Press `key` until the focused element is `wanted`; at every stop the focus must show."""
    for _ in range(most):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        assert focused["shows"], f"focus not visible on {focused}"
        if wanted(focused):
            return focused
    raise AssertionError(f"{key} x{most} never reached it (last: {focused})")


def opened(full_village: Any, tokens: Any, title: str, **fields: str) -> str:
    body = {"title": title, "severity": "S1", "product": "routers", "customer": "initech"}
    answer = httpx.post(
        f"{full_village.incidents.url}/incidents",
        json={**body, **fields},
        headers={"Authorization": f"Bearer {tokens('northwind')}"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_the_war_room_from_the_keyboard_alone(full_village, tokens, new_page, checked):
    console = full_village.console.url
    title = f"Keyboard only {uuid.uuid4().hex[:6]}"
    incident = opened(full_village, tokens, title)
    page = new_page()

    # sign in: the party group (arrow keys choose within it), the role (agent, checked), Enter
    page.goto(f"{console}/signin")
    press_until(page, lambda f: f["name"] == "party")
    press_until(page, lambda f: f["value"] == "northwind" and f["checked"], key="ArrowDown")
    press_until(page, lambda f: f["tag"] == "button" and f["text"] == "Sign in")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{console}/work")

    # my work: on to the incident's link, Enter opens its war room
    room = f"/incidents/{incident}/war-room"
    press_until(page, lambda f: f["href"] == room)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{console}{room}")
    expect(page.locator("h1")).to_have_text(title)

    # the composer: the note, then who reads it (no default: a choice), then back with
    # Shift-Tab to check the choice held, and Enter on the button
    body = f"Typed, never clicked {uuid.uuid4().hex[:6]}"
    press_until(page, lambda f: f["id"] == "note-body")
    page.keyboard.type(body)
    press_until(page, lambda f: f["name"] == "visibility")
    press_until(page, lambda f: f["value"] == "restricted" and f["checked"], key="ArrowDown")
    press_until(page, lambda f: f["tag"] == "button" and f["text"] == "Add note")
    back = press_until(page, lambda f: f["name"] == "visibility", key="Shift+Tab")
    assert (back["value"], back["checked"]) == ("restricted", True)
    press_until(page, lambda f: f["id"] == "note-body", key="Shift+Tab")
    press_until(page, lambda f: f["tag"] == "button" and f["text"] == "Add note")
    page.keyboard.press("Enter")

    note = page.locator(".note", has=page.locator(".note-body", has_text=body))
    expect(note).to_be_visible()
    expect(note.locator(".badge.vis")).to_have_text("restricted")  # in words, not colour alone
    checked(page, "keyboard-war-room-northwind")


@pytest.mark.parametrize("size", ["laptop", "tablet"])
def test_every_page_at_a_laptops_and_a_tablets_width(full_village, tokens, new_page, checked, size):
    """Sign-in, my work, a war room with a note of each visibility and running SLA clocks, an
    outage and the contracts, at 1366x768 and 768x1024: axe-core finds nothing serious, the
    page fits the width, visibility and clock state are words, and no console error."""
    console, viewport = full_village.console.url, {"laptop": LAPTOP, "tablet": TABLET}[size]
    acme = {"Authorization": f"Bearer {tokens('acme')}"}
    incident = opened(full_village, tokens, f"At {size} width {uuid.uuid4().hex[:6]}")
    for visibility in VISIBILITIES:
        noted = httpx.post(
            f"{full_village.incidents.url}/incidents/{incident}/notes",
            json={"body": f"A {visibility} note", "visibility": visibility},
            headers={"Authorization": f"Bearer {tokens('northwind')}"},
        )
        assert noted.status_code in (200, 201), noted.text
    outage = httpx.post(
        f"{full_village.incidents.url}/provider-incidents",
        json={
            "title": f"Router firmware at {size} width",
            "description": "Tunnels drop after the upgrade",
            "products": ["routers"],
            "severity": "S2",
        },
        headers=acme,
    )
    assert outage.status_code == 201, outage.text
    page = new_page(viewport=viewport)

    def fits(name: str) -> None:
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= viewport["width"], f"{name}: {wide} px wide at {viewport['width']} px"
        checked(page, f"{size}-{name}")

    page.goto(f"{console}/signin")
    fits("signin")
    sign_in(page, console, "northwind")
    fits("my-work")

    page.goto(f"{console}/incidents/{incident}/war-room")
    notes = page.locator(".note")
    expect(notes).to_have_count(3)
    for visibility in VISIBILITIES:
        one = page.locator(f".note.vis-{visibility}")
        expect(one.locator(".badge.vis")).to_have_text(visibility)
    clocks = page.locator(".clock")
    expect(clocks.first).to_be_visible(timeout=LIVE)  # the clocks arrive live
    for i in range(clocks.count()):
        clock = clocks.nth(i)
        expect(clock.locator(".state")).to_have_text(clock.get_attribute("data-state") or "-")
        expect(clock.locator(".remaining")).not_to_be_empty()
    fits("war-room")

    page.goto(f"{console}/outages/{outage.json()['id']}")
    expect(page.locator("h1")).to_contain_text(f"Router firmware at {size} width")
    fits("outage")
    page.goto(f"{console}/contracts")
    expect(page.get_by_text("northwind owes initech")).to_be_visible()
    fits("contracts")
