"""The main story in Firefox (Debian's firefox-esr, driven over WebDriver BiDi, see conftest and
bidi_relay.py): northwind signs in and opens the war room of its new incident, acme's note
arrives live without a reload, northwind writes a note choosing its visibility, and initech, on a
tablet, sees the shared note alone. axe-core on each page, no console error."""

from __future__ import annotations

import uuid

import httpx
from browser_steps import TABLET, add_note, sign_in
from playwright.sync_api import expect

LIVE = 10_000  # ms


def test_the_war_room_in_firefox(full_village, tokens, new_firefox_page, checked):
    console, api = full_village.console.url, full_village.incidents.url
    title = f"Firefox sees the branch VPN drop {uuid.uuid4().hex[:6]}"
    opened = httpx.post(
        f"{api}/incidents",
        json={"title": title, "severity": "S2", "product": "routers", "customer": "initech"},
        headers={"Authorization": f"Bearer {tokens('northwind')}"},
    )
    assert opened.status_code == 201, opened.text
    room = f"{console}/incidents/{opened.json()['id']}/war-room"

    northwind = new_firefox_page()
    sign_in(northwind, console, "northwind")
    northwind.goto(room)
    expect(northwind.locator("h1")).to_have_text(title)

    # acme's note, written through its API, reaches the open page live
    live = f"acme: looking at the tunnel logs {uuid.uuid4().hex[:6]}"
    noted = httpx.post(
        f"{api}/incidents/{opened.json()['id']}/notes",
        json={"body": live, "visibility": "restricted"},
        headers={"Authorization": f"Bearer {tokens('acme')}"},
    )
    assert noted.status_code in (200, 201), noted.text
    expect(northwind.locator(".note-body", has_text=live)).to_be_visible(timeout=LIVE)

    shared, internal = "We are on it (shared)", "The CFO is furious (internal)"
    add_note(northwind, "shared", shared)
    add_note(northwind, "internal", internal)
    note = northwind.locator(".note", has=northwind.locator(".note-body", has_text=shared))
    expect(note.locator(".badge.vis")).to_have_text("shared")
    checked(northwind, "firefox-war-room-northwind")

    initech = new_firefox_page(viewport=TABLET)
    sign_in(initech, console, "initech")
    initech.goto(room)
    expect(initech.locator(".note-body", has_text=shared)).to_be_visible()
    for hidden in (internal, live):
        expect(initech.get_by_text(hidden)).to_have_count(0)
    checked(initech, "firefox-war-room-initech-tablet")
