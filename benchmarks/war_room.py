"""The console's measurement (k): the war room of an incident with 500 timeline entries in a real
browser (Debian's chromium, headless, driven by Playwright).

The village as `make run` wires it, minus webhooks: incidents, SLA monitor, escalation, knowledge
and the console as subprocesses on databases of their own. northwind opens an S1 incident and
writes `entries` shared notes on it (HTTP); the run waits until the console's timeline holds
them. northwind signs in to the console in chromium, then:

- time to interactive, over `loads` loads (after one unmeasured): navigation start → the later
  of DOMContentLoaded's end and the note composer usable (present, enabled), both from the
  page's Performance API (`performance.now()` of the first animation frame that finds it);
- new event → visible, over `notes` notes: one more shared note posted through the incidents
  API while the page is open; from the API's answer (the note is committed) to the frame its
  text shows on the page (a MutationObserver stamps `Date.now()`: the page and the benchmark
  read the same system clock).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from village_devstack import demo
from village_devstack.services import CONSOLE, ESCALATION, INCIDENTS, KNOWLEDGE, SLA_MONITOR

from .stack import BenchStack
from .stats import Latency

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TARGET_S = 1.0

# The composer usable: the first animation frame once the document is parsed that finds the
# note's text area enabled (performance.now(): ms since navigation start).
READY = """() => {
  const body = document.querySelector('#note-body');
  const button = document.querySelector('#note button[type=submit]');
  return document.readyState !== 'loading' && body && !body.disabled && button
    && !button.disabled ? performance.now() : false;
}"""
NAVIGATION = "() => performance.getEntriesByType('navigation')[0].toJSON()"
SEEN_WHEN = """(text) => {
  window.seenAt = null;
  const notes = () => document.getElementById('live-sections');
  const look = () => (notes()?.textContent || '').includes(text);
  new MutationObserver((_, observer) => {
    if (look()) { window.seenAt = Date.now(); observer.disconnect(); }
  }).observe(document.body, { childList: true, subtree: true });
}"""


@dataclass
class WarRoomResult:
    entries: int
    timeline: int = 0  # entries the console shows on the page
    setup_seconds: float = 0.0
    interactive: list[float] = field(default_factory=list)
    dom_content_loaded: list[float] = field(default_factory=list)
    visible: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0  # notes answered 409 (concurrent writers) and tried again


def _start(stack: BenchStack, run: str) -> dict[str, Any]:
    assert stack.stack is not None
    s, instance = stack.stack, f"k{run}"
    topics = {"KAFKA_TOPIC_PREFIX": f"bench{run}k."}
    started: dict[str, Any] = {}
    started["incidents"] = s.start_service(INCIDENTS, instance=instance, **topics)
    urls = {"INCIDENTS_URL": started["incidents"].url}
    started["sla"] = s.start_service(SLA_MONITOR, instance=instance, **urls, **topics)
    urls["SLA_MONITOR_URL"] = started["sla"].url
    started["escalation"] = s.start_service(ESCALATION, instance=instance, **urls, **topics)
    started["knowledge"] = s.start_service(
        KNOWLEDGE, instance=instance, INCIDENTS_URL=urls["INCIDENTS_URL"], **topics
    )
    started["console"] = s.start_service(
        CONSOLE,
        instance=instance,
        **urls,
        ESCALATION_URL=started["escalation"].url,
        KNOWLEDGE_URL=started["knowledge"].url,
        **topics,
    )
    return started


async def _prepare(services: dict[str, Any], entries: int, result: WarRoomResult) -> str:
    nw = {"Authorization": f"Bearer {demo.token('northwind')}"}
    api, console = services["incidents"].url, services["console"].url
    async with httpx.AsyncClient(timeout=60, trust_env=False) as client:
        opened = await client.post(
            f"{api}/incidents",
            json={
                "title": "Branch VPN drops every 30 s",
                "severity": "S1",
                "product": "firewalls",
                "customer": "initech",
            },
            headers=nw,
        )
        opened.raise_for_status()
        incident = opened.json()["id"]
        sem = asyncio.Semaphore(8)

        async def note(n: int) -> None:
            body = {"body": f"Tunnel log excerpt {n}: IKE rekey failed", "visibility": "shared"}
            async with sem:
                # Eight writers on one incident: a 409 (it changed concurrently) is tried again,
                # as the API asks; the service itself tries five times before answering it.
                for _ in range(20):
                    r = await client.post(
                        f"{api}/incidents/{incident}/notes", json=body, headers=nw
                    )
                    if r.status_code != 409:
                        break
                    result.conflicts += 1
                if r.status_code != 200:
                    result.errors.append(f"note: {r.status_code} {r.text[:200]}")

        await asyncio.gather(*(note(n) for n in range(entries)))
        deadline, found = time.monotonic() + 600, 0
        while True:  # the console has recorded them (and what the other services did)
            r = await client.get(
                f"{console}/incidents/{incident}/timeline",
                params={"limit": 500, "order": "desc"},
                headers=nw,
            )
            found = len(r.json()["items"]) if r.status_code == 200 else r.status_code
            if r.status_code == 200 and found >= min(entries, 500):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the console recorded {found} entries in 600 s")
            await asyncio.sleep(0.5)
    return incident


def _browse(
    console: str, api: str, incident: str, loads: int, notes: int, r: WarRoomResult
) -> None:
    from playwright.sync_api import expect, sync_playwright

    nw = {"Authorization": f"Bearer {demo.token('northwind')}"}
    room = f"{console}/incidents/{incident}/war-room"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
            page.on("pageerror", lambda exc: r.errors.append(f"page error: {exc}"))
            page.goto(f"{console}/signin")
            page.check('input[name="party"][value="northwind"]')
            page.check('input[name="role"][value="agent"]')
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{console}/work")
            for n in range(loads + 1):  # the first warms the services' caches and pools
                page.goto(room, wait_until="domcontentloaded")
                ready = page.wait_for_function(READY, polling="raf").json_value()
                nav = page.evaluate(NAVIGATION)
                if n:
                    dcl = nav["domContentLoadedEventEnd"] - nav["startTime"]
                    r.dom_content_loaded.append(dcl / 1000)
                    r.interactive.append(max(dcl, ready - nav["startTime"]) / 1000)
            r.timeline = page.locator(".timeline li").count()
            with httpx.Client(timeout=30, trust_env=False) as client:
                for n in range(notes):
                    text = f"Live note {n} {uuid.uuid4().hex[:8]}"
                    page.evaluate(SEEN_WHEN, text)
                    answer = client.post(
                        f"{api}/incidents/{incident}/notes",
                        json={"body": text, "visibility": "shared"},
                        headers=nw,
                    )
                    committed = time.time() * 1000
                    if answer.status_code != 200:
                        r.errors.append(f"live note: {answer.status_code} {answer.text[:200]}")
                        continue
                    page.wait_for_function("() => window.seenAt !== null", timeout=30_000)
                    r.visible.append((page.evaluate("window.seenAt") - committed) / 1000)
        finally:
            browser.close()


async def measure(
    stack: BenchStack, *, entries: int, loads: int, notes: int, run: str
) -> WarRoomResult:
    result = WarRoomResult(entries)
    if not os.access(CHROMIUM, os.X_OK):
        result.errors.append(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
        return result
    began = time.perf_counter()
    services = await asyncio.to_thread(_start, stack, run)
    try:
        print(f"  (k) {entries} notes on one incident ...", flush=True)
        incident = await _prepare(services, entries, result)
        result.setup_seconds = time.perf_counter() - began
        print(f"  (k) chromium: {loads} loads, then {notes} live notes ...", flush=True)
        await asyncio.to_thread(
            _browse,
            services["console"].url,
            services["incidents"].url,
            incident,
            loads,
            notes,
            result,
        )
        return result
    finally:
        for service in reversed(list(services.values())):
            await asyncio.to_thread(service.close)


def rows(k: WarRoomResult | None) -> list[Any]:
    from .report import Row, _ms

    if k is None:
        return []
    tti, dcl = Latency.of(k.interactive), Latency.of(k.dom_content_loaded)
    seen = Latency.of(k.visible)
    ok = not k.errors
    return [
        Row(
            f"(k) war room, {k.timeline} timeline entries: time to interactive p50 / p99"
            f" (n={tti.n})",
            f"{_ms(tti.p50_ms)} / {_ms(tti.p99_ms)} (DOMContentLoaded {_ms(dcl.p50_ms)} /"
            f" {_ms(dcl.p99_ms)}; setup {k.setup_seconds:.0f} s, {k.conflicts} notes"
            " answered 409 and sent again)",
            "≤ 1 s",
            "pass" if ok and tti.n and tti.p99_ms <= TARGET_S * 1000 else "FAIL",
        ),
        Row(
            f"(k)   new note → visible on the open war room p50 / p99 (n={seen.n})",
            f"{_ms(seen.p50_ms)} / {_ms(seen.p99_ms)} (max {_ms(seen.max_ms)})",
            "≤ 1 s",
            "pass" if ok and seen.n and seen.p99_ms <= TARGET_S * 1000 else "FAIL",
        ),
    ]
