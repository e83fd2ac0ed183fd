"""The README's curl walk-throughs run (incidents, SLA monitor, escalation, knowledge, console),
so they never rot.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx

from village_devstack.waiting import eventually

README = Path(__file__).resolve().parents[1] / "README.md"


def walkthrough(heading: str) -> str:
    """The first ```sh block of the README section under `heading`."""
    section = README.read_text().split(heading, 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def run_walkthrough(script: str, urls: dict[str, str], *, probe_404: bool = False) -> str:
    """Run a walk-through with its `make run` URLs replaced; every curl must succeed (a 4xx/5xx
    fails it) except, with `probe_404`, the `curl -s -o /dev/null -w '%{http_code}\\n'` probes,
    which must each answer 404. Returns what the calls printed, the probes' codes left out."""
    for local, served in urls.items():
        assert local in script
        script = script.replace(local, served)
    prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n'
    probe = "curl -s -o /dev/null -w '%{http_code}\\n'"
    if probe_404:
        assert probe in script
        script = script.replace(probe, "command curl -s -o /dev/null -w '\\nprobe:%{http_code}\\n'")
    result = subprocess.run(
        ["bash", "-c", prelude + script],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=README.parent,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    codes = re.findall(r"\nprobe:(\d{3})\n", result.stdout)
    if probe_404:
        assert codes and set(codes) == {"404"}, result.stdout[-1000:]
    return re.sub(r"\nprobe:\d{3}\n", "", result.stdout)


def test_readme_curl_walkthrough_runs(incidents_service, tokens):
    script = walkthrough("## Working an incident with curl")
    assert "make -s token" in script
    run_walkthrough(script, {"V=http://127.0.0.1:8001": f"V={incidents_service.url}"})

    headers = {"Authorization": f"Bearer {tokens('northwind')}"}
    found = httpx.get(
        f"{incidents_service.url}/incidents/by-external-ref",
        params={"owner": "northwind", "type": "servicenow", "id": "INC0012345"},
        headers=headers,
    )
    incident = found.json()
    assert incident["status"] == "closed"
    assert incident["rating"]["rating"] == 5
    assert [n["body"] for n in incident["notes"]] == ["Known defect, fix in 17.3.2"]
    customer_view = httpx.get(
        f"{incidents_service.url}/incidents/{incident['id']}",
        headers={"Authorization": f"Bearer {tokens('initech')}"},
    ).json()
    assert customer_view["notes"] == []  # the restricted note stays between partner and provider


def test_readme_sla_walkthrough_runs(incidents_service, sla_service):
    stdout = run_walkthrough(
        walkthrough("## Service levels: the SLA monitor"),
        {
            "S=http://127.0.0.1:8003 V=http://127.0.0.1:8001": (
                f"S={sla_service.url} V={incidents_service.url}"
            )
        },
        probe_404=True,
    )
    assert '"shortfall_minutes":240' in stdout.replace(" ", "")
    assert '"clock":"respond"' in stdout.replace(" ", "")
    contract = httpx.get(
        f"{sla_service.url}/contracts/initech-northwind",
        headers={"Authorization": "Bearer " + _token("northwind")},
    ).json()
    assert contract["version"] >= 2 and contract["warn_at"] == [50, 80, 95]


def _token(party: str) -> str:
    from village_devstack import demo

    return demo.token(party)


def _json_documents(text: str) -> list:
    """The JSON bodies curl printed one after another (no separator between them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


async def test_readme_escalation_walkthrough_runs(escalation_village, tokens):
    incidents_service, escalation_service = (
        escalation_village.incidents,
        escalation_village.escalation,
    )
    stdout = run_walkthrough(
        walkthrough("## Escalation: who works an incident"),
        {
            "E=http://127.0.0.1:8002 V=http://127.0.0.1:8001": (
                f"E={escalation_service.url} V={incidents_service.url}"
            )
        },
        probe_404=True,
    )
    # What the calls printed, less the 404s the retried escalation path answered before it existed.
    documents = [
        d for d in _json_documents(stdout) if not str(d.get("type", "")).startswith("/problems/")
    ]
    tiers, path, queues, queue, requested, profile, profiles = documents
    assert [t["name"] for t in tiers["tiers"]] == [
        "TAC L1",
        "TAC L2",
        "Engineering L3",
    ]  # read by northwind
    route = path["decisions"][0]
    assert route["basis"] == {"type": "rule", "party": "acme", "id": "s1-uncertified", "version": 1}
    assert "not certified for firewalls" in route["reason"]
    assert isinstance(queues["items"], list) and (queue["party"], queue["tier"]) == (
        "acme",
        "TAC L2",
    )
    assert (requested["kind"], requested["trigger"], requested["to"]) == (
        "escalate",
        "manual",
        {"party": "acme", "tier": "Engineering L3"},
    )
    assert (profile["provider"], profile["version"], profile["level"]) == ("acme", 2, "platinum")
    assert [(p["provider"], p["level"]) for p in profiles["items"]] == [
        ("acme", "platinum"),
        ("globex", "gold"),
    ]  # northwind reads each of its vendors' profiles of it
    incident_id = path["incident_id"]

    # The route and the manual request both land on the incident, in that order.
    headers = {"Authorization": f"Bearer {tokens('northwind')}"}
    acme = {"Authorization": f"Bearer {tokens('acme')}"}
    async with httpx.AsyncClient(base_url=escalation_service.url) as escalation:

        async def escalation_path() -> dict:
            return (
                await escalation.get(f"/incidents/{incident_id}/escalations", headers=headers)
            ).json()

        path = await eventually(
            escalation_path,
            lambda p: (
                len(p["decisions"]) == 2 and all(d["status"] == "applied" for d in p["decisions"])
            ),
            what="both decisions applied",
        )
        moves = [
            (d["kind"], d["trigger"], d["to"]["party"], d["to"]["tier"], d["status"])
            for d in path["decisions"]
        ]
        assert moves == [
            ("route", "opened", "acme", "TAC L2", "applied"),
            ("escalate", "manual", "acme", "Engineering L3", "applied"),
        ], path
        incident = httpx.get(
            f"{incidents_service.url}/incidents/{incident_id}", headers=headers
        ).json()
        assert (incident["assignment"]["party"], incident["assignment"]["tier"]) == (
            "acme",
            "Engineering L3",
        )

        async def engineering_queue() -> (
            dict
        ):  # the escalation service sees the incident land there
            return (await escalation.get("/queues/acme/Engineering L3", headers=acme)).json()

        queue = await eventually(
            engineering_queue,
            lambda q: incident_id in [i["incident_id"] for i in q["items"]],
            what="the incident in acme's Engineering L3 queue",
        )
    assert incident_id in [i["incident_id"] for i in queue["items"]], queue


def test_readme_knowledge_walkthrough_runs(incidents_service, knowledge_service, tokens):
    stdout = run_walkthrough(
        walkthrough("## Knowledge: the provider's knowledge base, shared"),
        {
            "K=http://127.0.0.1:8004 V=http://127.0.0.1:8001": (
                f"K={knowledge_service.url} V={incidents_service.url}"
            )
        },
        probe_404=True,
    )  # contoso may not read northwind's draft before acme publishes it
    published = [d for d in _json_documents(stdout) if d.get("status") == "published"]
    assert published and published[-1]["audience"] == "partners"
    # ... and now contoso finds it
    found = httpx.get(
        f"{knowledge_service.url}/articles/{published[-1]['id']}",
        headers={"Authorization": f"Bearer {tokens('contoso')}"},
    )
    assert found.status_code == 200, found.text
    # northwind's draft for globex: globex's to review (acme's reviewers got a 404 above)
    drafts = httpx.get(
        f"{knowledge_service.url}/articles",
        params={"status": "draft", "limit": 100},
        headers={"Authorization": f"Bearer {tokens('globex', 'reviewer')}"},
    ).json()["items"]
    titles = {(a["title"], a["author_party"], a["provider"]) for a in drafts}
    assert ("Session table fills after a firewall failover", "northwind", "globex") in titles


def python_block(heading: str) -> str:
    """The first ```python block of the README section under `heading`."""
    section = README.read_text().split(heading, 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


async def test_readme_webhooks_walkthrough_and_receiver_run(
    incidents_service, webhooks_service, tokens, tmp_path
):
    """The curl walk-through runs; then the README's receiver, as a subprocess with a secret of its
    own endpoint, verifies and prints what the dispatcher sends it."""
    import os
    import sys

    from village_devstack.stack import free_port

    heading = "## Webhooks: every party's systems kept in step"
    stdout = run_walkthrough(
        walkthrough(heading),
        {"W=http://127.0.0.1:8005": f"W={webhooks_service.url}"},
        probe_404=True,
    )
    documents = _json_documents(stdout)
    deliveries, rotated, replayed, paused = documents
    assert isinstance(deliveries["items"], list)
    assert (
        rotated["secret"].startswith("whsec_") and rotated["endpoint"]["previous_secret_expires_at"]
    )
    assert isinstance(replayed["requeued"], int)
    assert paused["status"] == "disabled"

    port = free_port()
    receiver = tmp_path / "receiver.py"
    receiver.write_text(python_block(heading).replace("9000", str(port)))
    admin = {"Authorization": f"Bearer {tokens('northwind', 'admin')}"}
    endpoint = httpx.post(
        f"{webhooks_service.url}/endpoints",
        headers=admin,
        json={
            "url": f"http://127.0.0.1:{port}/hooks",
            "event_types": ["village.incident.*"],
            "filter": {"parties": ["initech"]},
        },
    ).json()
    process = subprocess.Popen(
        [sys.executable, str(receiver)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "WEBHOOK_SECRET": endpoint["secret"]},
    )
    try:
        opened = httpx.post(
            f"{incidents_service.url}/incidents",
            headers={"Authorization": f"Bearer {tokens('northwind')}"},
            json={
                "title": "Webhook walk-through",
                "description": "delivered to the README receiver",
                "severity": "S3",
                "product": "routers",
                "customer": "initech",
            },
        )
        assert opened.status_code == 201, opened.text
        line = await _line_with(process, "", timeout=60)  # the first delivery
        assert line.split() == ["village.incident.opened.v1", opened.json()["id"]]
    finally:
        process.kill()
        process.wait()
        # the receiver is gone: nothing should knock on it for the rest of the session
        gone = httpx.delete(f"{webhooks_service.url}/endpoints/{endpoint['id']}", headers=admin)
        assert gone.status_code == 204, gone.text


async def _line_with(process: subprocess.Popen, needle: str, timeout: float) -> str:
    """The first line the process prints that holds `needle`. The consumer starts from the
    topic's beginning: thousands of the session's events come first, read as they come."""
    import asyncio

    async def find() -> str:
        while line := await asyncio.to_thread(process.stdout.readline):
            if needle in line:
                return line
        raise AssertionError(f"the README consumer exited (code {process.poll()})")

    try:
        return await asyncio.wait_for(find(), timeout)
    except TimeoutError:
        raise AssertionError(f"the README consumer did not print {needle} in {timeout}s") from None


async def test_readme_topic_consumer_runs(stack, incidents_service, tokens, tmp_path):
    """The README's topic consumer, as a subprocess against the broker the services publish to,
    prints an incident opened after it started."""
    import os
    import sys

    consumer = tmp_path / "consumer.py"
    code = python_block("## Subscribing to the topic (provider tooling)")
    assert "127.0.0.1:9092" in code
    consumer.write_text(
        code.replace("127.0.0.1:9092", stack.kafka_bootstrap).replace(
            "my-tac-console", f"readme-{tmp_path.name}"
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-u", str(consumer)],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        opened = httpx.post(
            f"{incidents_service.url}/incidents",
            headers={"Authorization": f"Bearer {tokens('northwind')}"},
            json={
                "title": "Topic walk-through",
                "description": "read by the README consumer",
                "severity": "S3",
                "product": "routers",
                "customer": "initech",
            },
        )
        assert opened.status_code == 201, opened.text
        iid = opened.json()["id"]
        line = await _line_with(process, iid, timeout=60)
        assert line.split()[:3] == ["village.incident.opened.v1", iid, "1"]
    finally:
        process.kill()
        process.wait()


def test_readme_value_web_walkthrough_runs(incidents_service, tokens):
    stdout = run_walkthrough(
        walkthrough("## Several vendors, longer chains: the value web"),
        {"V=http://127.0.0.1:8001": f"V={incidents_service.url}"},
        probe_404=True,
    )
    assert "['initech', 'northwind', 'globex']" in stdout
    assert "['litware', 'fabrikam', 'northwind', 'acme']" in stdout
    assert "globex\n" in stdout and "\n[]\n" in stdout  # the part's vendor; acme sees no part
    nw = {"Authorization": f"Bearer {tokens('northwind')}"}
    supplies = httpx.get(f"{incidents_service.url}/supplies", headers=nw).json()["items"]
    assert {
        "supplier": "globex",
        "buyer": "northwind",
        "products": ["globex-firewalls", "globex-vpn"],
    } in supplies
    incidents = httpx.get(f"{incidents_service.url}/incidents", headers=nw, params={"limit": 100})
    cloud = next(i for i in incidents.json()["items"] if i["title"] == "Cloud tenant unreachable")
    acme = {"Authorization": f"Bearer {tokens('acme')}"}
    view = httpx.get(f"{incidents_service.url}/incidents/{cloud['id']}", headers=acme).json()
    assert [s["to_party"] for s in view["escalations"]] == ["northwind", "acme"]
    assert "LIT-042" not in str(view)  # fabrikam's restricted note is for its own link
    northwind_view = httpx.get(f"{incidents_service.url}/incidents/{cloud['id']}", headers=nw)
    assert "LIT-042" in northwind_view.text
    outage = next(i for i in incidents.json()["items"] if i["title"] == "Leeds office offline")
    part = next(i for i in incidents.json()["items"] if i["parent_id"] == outage["id"])
    assert (part["provider"], part["product"]) == ("globex", "globex-firewalls")
    assert f"{outage['id']}\n" in stdout  # globex reads its part's parent_id


def test_readme_provider_outages_walkthrough_runs(incidents_service, tokens):
    stdout = run_walkthrough(
        walkthrough("## Provider outages"),
        {"V=http://127.0.0.1:8001": f"V={incidents_service.url}"},
        probe_404=True,
    )
    lines = stdout.splitlines()
    assert lines[0] == "IPsec tunnel to Leeds drops after rekeying"  # the best candidate
    incident = lines[1]  # linked
    assert lines[2:4] == ["identified", "1"]  # acme's status; contoso's count of the others
    outage = lines[4]  # initech reads its incident's outage_id
    assert lines[5:] == ["[]"]  # unlinked
    acme = {"Authorization": f"Bearer {tokens('acme')}"}
    view = httpx.get(f"{incidents_service.url}/provider-incidents/{outage}", headers=acme).json()
    assert (view["title"], view["status"], view["incidents"]) == (
        "Router firmware 7.2 drops IPsec tunnels",
        "identified",
        [],
    )
    initech = {"Authorization": f"Bearer {tokens('initech')}"}
    seen = httpx.get(f"{incidents_service.url}/incidents/{incident}", headers=initech).json()
    assert seen["outage_id"] is None


def test_readme_outage_swarm_walkthrough_runs(incidents_service):
    stdout = run_walkthrough(
        walkthrough("### Swarming on an outage"),
        {"V=http://127.0.0.1:8001": f"V={incidents_service.url}"},
        probe_404=True,
    )
    assert stdout.splitlines() == ["contoso", "northwind", "True"]


def test_readme_provider_outage_updates_and_resolution_walkthrough_runs(incidents_service, tokens):
    stdout = run_walkthrough(
        walkthrough("### Provider outages: updates, resolution, confirmations"),
        {"V=http://127.0.0.1:8001": f"V={incidents_service.url}"},
    )
    assert stdout.splitlines() == [
        "2",  # the update's total
        "Traffic is being moved to eu-central",  # initech reads acme's shared note
        "resolved",
        "closed",  # initech confirms
        "None",  # umbrella rejects: its incident left the outage
        "[{'partner': 'contoso', 'confirmed': 0, 'rejected': 1, 'waiting': 0},"
        " {'partner': 'northwind', 'confirmed': 1, 'rejected': 0, 'waiting': 0}]",
    ]


def test_readme_console_walkthrough_runs(full_village):
    stdout = run_walkthrough(
        walkthrough("## The console: one timeline per incident"),
        {
            "C=http://127.0.0.1:8000 V=http://127.0.0.1:8001": (
                f"C={full_village.console.url} V={full_village.incidents.url}"
            )
        },
    )
    assert '"kind":"incident.opened"' in stdout
    assert stdout.count("RMA opened with acme") == 1  # northwind's timeline, not initech's
