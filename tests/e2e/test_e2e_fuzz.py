"""OpenAPI fuzzing with schemathesis against the running service: no input makes it answer 5xx.

Bounded: MAX_EXAMPLES valid and MAX_EXAMPLES invalid requests per operation, so the whole run
stays well under two minutes. (schemathesis' own pytest loader, `from_fixture`, does not work
with pytest 9 — it sets `node._nodeid` — so each operation's strategy is driven with
Hypothesis directly.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from village_devstack import demo
from village_platform.auth import mint_token
from village_platform.settings import Settings

MAX_EXAMPLES = 15
# A partner of its own for fuzzing writes: registered in the directory (party kinds come from
# there), but in no incident, contract or configuration other tests rely on.
FUZZCO = demo.DemoParty("fuzzco", "partner", "Fuzz Co", provider="acme")


def fuzzco_token(incidents: Any) -> str:
    """An admin token of FUZZCO, registered in `incidents`' party directory first."""
    demo.seed_parties(incidents.url, parties=(FUZZCO,))
    return mint_token(Settings(), FUZZCO.id, "partner", roles=["admin"])


def openapi_operations(service: Any, at_least: int) -> list[Any]:
    """Every operation of a running service's OpenAPI document (at least `at_least` of them)."""
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= at_least, [f"{o.method} {o.path}" for o in found]
    return found


@pytest.fixture(scope="module")
def operations(incidents_service: Any) -> list[Any]:
    return openapi_operations(incidents_service, 15)


def fresh_ticket_ids(case: Any) -> None:
    """The session's service is shared: never claim a fixed ticket id (the OpenAPI example's,
    which the README walk-through uses) — give generated external refs unique ids."""
    body = getattr(case, "body", None)
    if isinstance(body, dict) and isinstance(body.get("external_refs"), list):
        for ref in body["external_refs"]:
            if isinstance(ref, dict) and isinstance(ref.get("id"), str):
                ref["id"] = f"fuzz-{uuid.uuid4().hex}"


def open_incident(base_url: str, headers: dict[str, str]) -> str:
    response = httpx.post(
        f"{base_url}/incidents",
        headers=headers,
        json={
            "title": "fuzz target",
            "severity": "S3",
            "product": "routers",
            "customer": "initech",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize(
    ("mode", "real_incident"),
    [
        (GenerationMode.POSITIVE, False),
        (GenerationMode.POSITIVE, True),
        (GenerationMode.NEGATIVE, False),
    ],
    ids=["valid", "valid-on-a-real-incident", "invalid"],
)
def test_no_request_makes_the_service_fail(
    operations: list[Any],
    mode: GenerationMode,
    real_incident: bool,
    incidents_service: Any,
    tokens: Callable[..., str],
) -> None:
    headers = {"Authorization": f"Bearer {tokens('northwind')}"}
    fixed = (lambda: {"incident_id": open_incident(incidents_service.url, headers)}) if real_incident else None
    fuzz_operations(operations, incidents_service, headers, mode, fixed)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_request_makes_the_sla_monitor_fail(
    mode: GenerationMode, sla_service: Any, tokens: Callable[..., str]
) -> None:
    operations = openapi_operations(sla_service, 9)
    # An admin of the owing party, so contract writes reach the rules and not just a 403.
    fuzz_operations(operations, sla_service, {"Authorization": f"Bearer {tokens('northwind', 'admin')}"}, mode, None)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_request_makes_the_escalation_service_fail(mode: GenerationMode, escalation_village: Any) -> None:
    operations = openapi_operations(escalation_village.escalation, 12)
    # An admin of a party of its own: its writes reach the validation and the store without
    # changing the demo set other tests of this session's service rely on.
    token = fuzzco_token(escalation_village.incidents)
    fuzz_operations(operations, escalation_village.escalation, {"Authorization": f"Bearer {token}"}, mode, None)


def fuzz_operations(
    operations: list[Any],
    service: Any,
    headers: dict[str, str],
    mode: GenerationMode,
    path_parameters: Callable[[], dict[str, str]] | None,
) -> None:
    """Every operation, MAX_EXAMPLES cases each; `path_parameters` (when given) pins the path
    to a real resource and skips operations without one."""
    failures: dict[str, str] = {}
    for operation in operations:
        fixed: dict[str, Any] = {}
        if path_parameters is not None:
            if "{incident_id}" not in operation.path:
                continue
            # a fresh incident of northwind's per operation, so random actions reach the rules
            fixed["path_parameters"] = path_parameters()

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode, **fixed))
        def fuzz(case: Any) -> None:
            fresh_ticket_ids(case)
            case.call_and_validate(
                base_url=service.url,
                headers=headers,
                checks=[not_a_server_error],
                timeout=30,
            )

        try:
            fuzz()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label
            continue  # nothing in it can be invalid (e.g. GET /healthz takes no input)
        except (AssertionError, FailureGroup) as exc:  # keep going: report every failing operation
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]

    assert not failures, (
        "\n\n".join(f"{op}:\n{why}" for op, why in failures.items())
        + f"\n--- service log ---\n{service.log_tail(80)}"
    )
