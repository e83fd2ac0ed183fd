"""The incidents service's measurement (i): one incident's reads and commands after 10 notes and
after 10,000, side by side.

An incidents service subprocess on a database of its own. Two incidents northwind opened for
initech (provider acme), one with `small` notes and one with `large`, the same mix in both:
northwind, acme and initech in turn, the partner's and the provider's notes shared, restricted
and internal in turn, about 200 characters each. Their events are appended in bulk through
`EventStore.append` with the data and metadata the commands write (made with the service's
event classes and the platform's egress description, nothing else of the service: the same
loader runs against older code), marked published (history, not news for the relay), then
`village-incidents rebuild-read-model` projects them (read model, and with snapshots, notes
and snapshots) before the service starts.

Then `rounds` rounds after `warmup` unmeasured ones, the two incidents interleaved, each request
one after another and timed by the client from request to response: the incident view as
northwind and as initech, the first page of its timeline and of its notes (as northwind), a
note added (northwind, shared; so each incident gains one note a round), northwind's first
note edited, and the severity changed (S2 and S3 in turn): a command that touches no note.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from village_devstack import demo
from village_devstack.services import INCIDENTS

from .stack import BenchStack
from .stats import Latency

WRITERS = ("northwind", "acme", "initech")
VISIBILITIES = ("shared", "restricted", "internal")
FACT = ("note_id", "author_party", "note_visibility")  # a note event's bare fact
OPERATIONS = (
    "view as northwind",
    "view as initech",
    "timeline, first page",
    "notes, first page",
    "add a note",
    "edit a note",
    "change severity",
)
BODY = (
    "Tunnel to Leeds flaps every 30 s; IKE rekey fails with NO_PROPOSAL_CHOSEN on the "
    "branch side. Captured logs attached to the partner ticket; waiting for the next window "
    "to roll the firmware back. "
)[:200]


@dataclass
class ScaleResult:
    small: int
    large: int
    rounds: int
    load_seconds: float = 0.0
    latencies: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    view_bytes: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    unsupported: set[str] = field(default_factory=set)


def history(notes: int) -> tuple[str, list[Any]]:
    """An incident's events as the commands store them: data from the service's own event
    classes, metadata the egress description its commands attach (opened: everyone on the
    incident; a note: its audience, sealed, as the note's description says)."""
    from village_incidents.domain import events as e
    from village_platform import egress
    from village_platform.eventstore import NewEvent

    iid = str(uuid.uuid4())
    parties = ("initech", "northwind", "acme")

    def actor(party: str) -> dict[str, str]:
        kind = demo.PARTIES_BY_ID[party].kind
        return {"actor_party": party, "actor_kind": kind, "actor_user": f"{party}-bench"}

    opened = e.IncidentOpened(
        iid,
        "Branch office VPN down",
        "Tunnel to Leeds dropped",
        "S2",
        "routers",
        None,
        "initech",
        "northwind",
        "acme",
        "northwind",
        "northwind-bench",
    )
    everyone = egress.describe(parties=parties, provider="acme")
    out = [NewEvent(opened.type, opened.to_data(), metadata={**actor("northwind"), **everyone})]
    for i in range(notes):
        by = WRITERS[i % 3]
        visibility = "shared" if by == "initech" else VISIBILITIES[(i // 3) % 3]
        note = e.NoteAdded(str(uuid.uuid4()), by, visibility, f"{by}-bench", f"{i}: {BODY}")
        description = egress.describe(
            parties=parties,
            visibility=visibility,
            provider="acme",
            actor_party=by,
            fact=FACT,
            sealed=True,
        )
        out.append(NewEvent(note.type, note.to_data(), metadata={**actor(by), **description}))
    return iid, out


async def load(database: str, sizes: tuple[int, ...]) -> tuple[list[str], float]:
    """Append the incidents' events (published), returns their ids and the seconds it took."""
    from sqlalchemy import text

    from village_platform.clock import SystemClock
    from village_platform.db import make_engine
    from village_platform.eventstore import EventStore
    from village_platform.settings import Settings

    settings = Settings(service="incidents", port=0, DATABASE_URL=database, database_is_own=True)
    engine = make_engine(settings, statement_timeout=None)  # a bulk load
    store = EventStore(SystemClock())
    began = time.perf_counter()
    now = datetime.now(UTC)
    ids = []
    try:
        async with engine.begin() as conn:
            for size in sizes:
                iid, events = history(size)
                await store.append(conn, iid, 0, events, {}, recorded_at=now)
                ids.append(iid)
            await conn.execute(
                text(
                    "UPDATE events e SET position = n.p, published_at = :t FROM (SELECT id,"
                    " row_number() OVER (ORDER BY id) AS p FROM events) n WHERE e.id = n.id"
                ),
                {"t": now},
            )
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE events"))
        return ids, time.perf_counter() - began
    finally:
        await engine.dispose()


def rebuild(stack: BenchStack, database: str) -> None:
    """`village-incidents rebuild-read-model` on `database`, as an operator runs it."""
    assert stack.stack is not None
    env = stack.stack.env(INCIDENTS_DATABASE_URL=database)
    subprocess.run(
        INCIDENTS.command("rebuild-read-model"),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=600,
    )


async def measure(
    stack: BenchStack, *, small: int, large: int, rounds: int, warmup: int, run: str
) -> ScaleResult:
    result = ScaleResult(small, large, rounds)
    database = await asyncio.to_thread(stack.migrate_database, f"scale{run}")
    print(f"  (i) loading incidents of {small:,} and {large:,} notes ...", flush=True)
    ids, result.load_seconds = await load(database, (small, large))
    await asyncio.to_thread(rebuild, stack, database)
    print(f"  (i) loaded and rebuilt in {result.load_seconds:.1f} s (+ rebuild)", flush=True)
    service = await asyncio.to_thread(
        stack.start_on, INCIDENTS, database, "incidents-scale", KAFKA_TOPIC_PREFIX=f"bench{run}i."
    )
    await asyncio.to_thread(demo.seed_parties, service.url)  # the directory knows its callers
    try:
        sizes = dict(zip(ids, (small, large), strict=True))
        headers = {
            p: {"Authorization": f"Bearer {demo.token(p)}"} for p in ("northwind", "initech")
        }
        async with httpx.AsyncClient(base_url=service.url, timeout=120, trust_env=False) as client:
            first_note = {}
            for iid in ids:  # northwind's first note: the one it edits
                response = await client.get(
                    f"/incidents/{iid}/timeline", headers=headers["northwind"], params={"limit": 10}
                )
                if response.status_code != 200:
                    raise RuntimeError(
                        f"(i) the timeline of {iid}: {response.status_code} {response.text[:300]}"
                    )
                first_note[iid] = next(
                    t["data"]["note_id"]
                    for t in response.json()["items"]
                    if t["type"] == "village.incident.note_added.v1" and t["party"] == "northwind"
                )

            measuring = False

            async def timed(op: str, iid: str, request: Any) -> None:
                began = time.perf_counter()
                response = await request
                elapsed = time.perf_counter() - began
                if response.status_code in (404, 405) and op == "notes, first page":
                    result.unsupported.add(op)  # older code: no such route
                elif response.status_code >= 300:
                    result.errors.append(
                        f"{op} ({sizes[iid]}): {response.status_code} {response.text[:200]}"
                    )
                elif measuring:
                    result.latencies.setdefault((op, sizes[iid]), []).append(elapsed)
                    if op == "view as northwind":
                        result.view_bytes[sizes[iid]] = len(response.content)

            for r in range(warmup + rounds):
                measuring = r >= warmup
                for iid in ids:
                    nw, path = headers["northwind"], f"/incidents/{iid}"
                    initech = headers["initech"]
                    await timed("view as northwind", iid, client.get(path, headers=nw))
                    await timed("view as initech", iid, client.get(path, headers=initech))
                    await timed(
                        "timeline, first page", iid, client.get(f"{path}/timeline", headers=nw)
                    )
                    await timed("notes, first page", iid, client.get(f"{path}/notes", headers=nw))
                    await timed(
                        "add a note",
                        iid,
                        client.post(
                            f"{path}/notes", headers=nw, json={"body": BODY, "visibility": "shared"}
                        ),
                    )
                    await timed(
                        "edit a note",
                        iid,
                        client.patch(
                            f"{path}/notes/{first_note[iid]}",
                            headers=nw,
                            json={"body": f"{r}: {BODY}"},
                        ),
                    )
                    await timed(
                        "change severity",
                        iid,
                        client.post(
                            f"{path}/severity",
                            headers=nw,
                            json={"severity": "S3" if r % 2 == 0 else "S2", "reason": "bench"},
                        ),
                    )
        return result
    finally:
        await asyncio.to_thread(stack.stop, service)


def rows(i: ScaleResult | None) -> list[Any]:
    from .report import Row, _ms

    if i is None:
        return []
    import village_incidents

    code = Path(village_incidents.__file__).resolve().parents[4]
    out = [
        Row(
            f"(i) one incident after {i.small:,} notes │ after {i.large:,} notes, p50 / p99, "
            f"{i.rounds} rounds, the code in {code}",
            "",
            "(report)",
        )
    ]
    for op in OPERATIONS:
        if op in i.unsupported:
            out.append(Row(f"(i)   {op}", "no such route"))
            continue
        few, many = (Latency.of(i.latencies.get((op, n), [])) for n in (i.small, i.large))
        out.append(
            Row(
                f"(i)   {op}",
                f"{_ms(few.p50_ms)} / {_ms(few.p99_ms)} │ {_ms(many.p50_ms)} / {_ms(many.p99_ms)}",
            )
        )
    out.append(
        Row(
            "(i)   view size (as northwind); bulk load; errors",
            f"{i.view_bytes.get(i.small, 0) / 1024:.1f} KiB │ "
            f"{i.view_bytes.get(i.large, 0) / 1024:.1f} KiB; {i.load_seconds:.1f} s; "
            f"{len(i.errors)}",
            "0 errors",
            "pass" if not i.errors else "FAIL",
        )
    )
    return out
