"""The README's curl walk-through runs, so it never rots."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx

README = Path(__file__).resolve().parents[1] / "README.md"


def curl_walkthrough() -> str:
    text = README.read_text()
    section = text.split("## Working an incident with curl", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_readme_curl_walkthrough_runs(incidents_service, tokens):
    script = curl_walkthrough()
    assert "make -s token" in script and "V=http://127.0.0.1:8001" in script
    script = script.replace("V=http://127.0.0.1:8001", f"V={incidents_service.url}")
    # Every curl must succeed: a 4xx/5xx anywhere in the walk-through fails the test.
    prelude = "set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\n"
    result = subprocess.run(["bash", "-c", prelude + script], capture_output=True, text=True, timeout=180,
                            cwd=README.parent)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    headers = {"Authorization": f"Bearer {tokens('northwind')}"}
    found = httpx.get(f"{incidents_service.url}/incidents/by-external-ref",
                      params={"owner": "northwind", "type": "servicenow", "id": "INC0012345"}, headers=headers)
    incident = found.json()
    assert incident["status"] == "closed"
    assert incident["rating"]["rating"] == 5
    assert [n["body"] for n in incident["notes"]] == ["Known defect, fix in 17.3.2"]
    customer_view = httpx.get(f"{incidents_service.url}/incidents/{incident['id']}",
                              headers={"Authorization": f"Bearer {tokens('initech')}"}).json()
    assert customer_view["notes"] == []  # the restricted note stays between partner and provider


def sla_walkthrough() -> str:
    section = README.read_text().split("## Service levels: the SLA monitor", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_readme_sla_walkthrough_runs(incidents_service, sla_service):
    script = sla_walkthrough()
    assert "S=http://127.0.0.1:8003 V=http://127.0.0.1:8001" in script
    script = script.replace("S=http://127.0.0.1:8003 V=http://127.0.0.1:8001",
                            f"S={sla_service.url} V={incidents_service.url}")
    prelude = "set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\n"
    # The 404 probe is the one call that must fail: run it without --fail.
    script = script.replace("curl -s -o /dev/null", "command curl -s -o /dev/null")
    result = subprocess.run(["bash", "-c", prelude + script], capture_output=True, text=True, timeout=180,
                            cwd=README.parent)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.rstrip().endswith("404"), result.stdout[-500:]
    assert '"shortfall_minutes":240' in result.stdout.replace(" ", "")
    assert '"clock":"respond"' in result.stdout.replace(" ", "")
    contract = httpx.get(f"{sla_service.url}/contracts/initech-northwind",
                         headers={"Authorization": "Bearer " + _token("northwind")}).json()
    assert contract["version"] >= 2 and contract["warn_at"] == [50, 80, 95]


def _token(party: str) -> str:
    from village_devstack import demo

    return demo.token(party)
