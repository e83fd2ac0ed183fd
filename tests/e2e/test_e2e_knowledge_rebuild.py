"""`village-knowledge rebuild-read-model` gives back the very same read model: every table
(articles, versions, search index, incidents, shared notes, suggestions, links, solves, feedback)
and the same search answers. It restarts the session's knowledge service, so it has a file of its
own (after test_e2e_knowledge.py, whose incidents, links and feedback it rebuilds)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from e2e_support import open_incident

from village_devstack.knowledge_corpus import QUERIES
from village_devstack.testing import KNOWLEDGE
from village_devstack.waiting import eventually

TABLES = {
    "articles": "article_id",
    "article_versions": "article_id, version",
    "search_docs": "article_id",
    "incidents": "incident_id",
    "shared_notes": "incident_id, note_id",
    "suggestions": "incident_id, article_id",
    "links": "incident_id, article_id",
    "solves": "incident_id, article_id",
    "feedback": "article_id, party",
}


async def _snapshot(database_url: str) -> dict[str, list[Any]]:
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        found = {}
        for table, order in TABLES.items():
            columns = (
                "*" if table != "shared_notes" else "incident_id, note_id, body"
            )  # seq: insertion order
            found[table] = [
                tuple(r)
                for r in await conn.fetch(f"SELECT {columns} FROM {table} ORDER BY {order}")
            ]
        return found
    finally:
        await conn.close()


async def _answers(base_url: str, tokens: Callable[..., str]) -> list[Any]:
    answers = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for party in ("acme", "northwind", "initech"):
            headers = {"Authorization": f"Bearer {tokens(party)}"}
            for q, _ in QUERIES:
                body = (await client.get("/search", params={"q": q}, headers=headers)).json()
                answers.append([(h["article_id"], h["score"], h["snippet"]) for h in body["items"]])
    return answers


async def test_the_rebuilt_read_model_is_identical(
    knowledge_service: Any, incidents_service: Any, tokens: Callable[..., str]
) -> None:
    # Some incident life of its own, so the rebuild has links, a solve, shared notes and a draft.
    async with httpx.AsyncClient(
        base_url=incidents_service.url,
        timeout=30,
        headers={"Authorization": f"Bearer {tokens('northwind')}"},
    ) as nw:
        iid = (
            await open_incident(
                nw,
                title="Branch VPN tunnel flaps",
                product="routers",
                description="IKE rekey failures",
            )
        )["id"]
        await nw.post(
            f"/incidents/{iid}/notes",
            json={"body": f"shared {uuid.uuid4().hex}", "visibility": "shared"},
        )
    async with httpx.AsyncClient(
        base_url=knowledge_service.url,
        timeout=30,
        headers={"Authorization": f"Bearer {tokens('northwind')}"},
    ) as kb:
        items = (
            await eventually(
                lambda: kb.get(f"/incidents/{iid}/suggestions"),
                lambda r: r.status_code == 200 and r.json()["items"],
            )
        ).json()["items"]
        assert (
            await kb.post(f"/incidents/{iid}/links", json={"article_id": items[0]["article_id"]})
        ).status_code == 201
        await kb.post(f"/articles/{items[0]['article_id']}/feedback", json={"helpful": True})
    async with httpx.AsyncClient(
        base_url=incidents_service.url,
        timeout=30,
        headers={"Authorization": f"Bearer {tokens('northwind')}"},
    ) as nw:
        await nw.post(
            f"/incidents/{iid}/status",
            json={
                "status": "resolved",
                "resolution_code": "config-fix",
                "resolution_notes": "Matched the IKE lifetimes",
            },
        )
    database = knowledge_service.database_url

    async def drafted() -> bool:
        import asyncpg

        conn = await asyncpg.connect(database)
        try:
            return bool(
                await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM solves WHERE incident_id = $1)"
                    " AND EXISTS (SELECT 1 FROM articles WHERE origin_incident = $1)",
                    iid,
                )
            )
        finally:
            await conn.close()

    await eventually(drafted, what="the solve and the proposed draft")
    before, answers = await _snapshot(database), await _answers(knowledge_service.url, tokens)
    assert all(before[t] for t in TABLES), {t: len(rows) for t, rows in before.items()}

    knowledge_service.stop()
    try:
        done = subprocess.run(
            KNOWLEDGE.command("rebuild-read-model"),
            env=knowledge_service.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert "read model rebuilt from" in done.stdout
        assert "rebuild knowledge" in done.stderr  # the progress bars
    finally:
        knowledge_service.start()
    assert await _snapshot(database) == before
    assert await _answers(knowledge_service.url, tokens) == answers
