"""OpenAPI fuzzing with schemathesis against the running service: no input makes it answer 5xx.
The services run with their request limits (village_platform.limits) in place, as deployed;
operations are also fuzzed pinned to real resources (an incident, a provider incident, a
contract, a party's own escalation documents; in the sibling files an article and a webhook
endpoint).

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
    fixed = (
        (lambda: {"incident_id": open_incident(incidents_service.url, headers)})
        if real_incident
        else None
    )
    fuzz_operations(operations, incidents_service, headers, mode, fixed)


def declare_outage(base_url: str, headers: dict[str, str]) -> str:
    response = httpx.post(
        f"{base_url}/provider-incidents",
        headers=headers,
        json={"title": "fuzz outage", "products": ["routers"], "severity": "S3"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_no_request_on_a_real_provider_incident_makes_the_service_fail(
    operations: list[Any], incidents_service: Any, tokens: Callable[..., str]
) -> None:
    """As its provider: random status changes, cancellations, links and unlinks reach the
    rules."""
    headers = {"Authorization": f"Bearer {tokens('acme')}"}
    fuzz_operations(
        operations,
        incidents_service,
        headers,
        GenerationMode.POSITIVE,
        lambda: {"outage_id": declare_outage(incidents_service.url, headers)},
        on="outage_id",
    )


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
def test_no_request_makes_the_sla_monitor_fail(
    mode: GenerationMode, sla_service: Any, tokens: Callable[..., str]
) -> None:
    operations = openapi_operations(sla_service, 9)
    # An admin of the owing party, so contract writes reach the rules and not just a 403.
    fuzz_operations(
        operations,
        sla_service,
        {"Authorization": f"Bearer {tokens('northwind', 'admin')}"},
        mode,
        None,
    )


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
def test_no_request_makes_the_escalation_service_fail(
    mode: GenerationMode, escalation_village: Any
) -> None:
    operations = openapi_operations(escalation_village.escalation, 12)
    # An admin of a party of its own: its writes reach the validation and the store without
    # changing the demo set other tests of this session's service rely on.
    token = fuzzco_token(escalation_village.incidents)
    fuzz_operations(
        operations, escalation_village.escalation, {"Authorization": f"Bearer {token}"}, mode, None
    )


def fuzzco_admin(incidents: Any) -> dict[str, str]:
    """An admin of FUZZCO: its writes reach validation and the store without touching the demo
    data other tests of the session rely on."""
    return {"Authorization": f"Bearer {fuzzco_token(incidents)}"}


def test_no_request_on_a_real_contract_makes_the_sla_monitor_fail(
    sla_service: Any, incidents_service: Any
) -> None:
    """Revisions, versions and reports of a contract that exists: periods and instants of every
    shape reach the report and the contract rules."""
    headers = fuzzco_admin(incidents_service)
    contract = f"fuzz-{uuid.uuid4().hex[:12]}"
    created = httpx.post(
        f"{sla_service.url}/contracts",
        headers=headers,
        json={
            "id": contract,
            "provider": "fuzzco",
            "customer": f"{contract}-customer",
            "kind": "customer_facing",
            "targets": {"S1": {"respond_minutes": 15, "resolve_minutes": 240}},
        },
    )
    assert created.status_code == 201, created.text
    operations = openapi_operations(sla_service, 9)
    fuzz_operations(
        operations,
        sla_service,
        headers,
        GenerationMode.POSITIVE,
        lambda: {"contract_id": contract},
        on="contract_id",
    )


def test_no_request_on_its_own_party_makes_the_escalation_service_fail(
    escalation_village: Any,
) -> None:
    """Tiers, profile and rules documents of the caller's own party: every write reaches the
    document rules and the store."""
    escalation_service = escalation_village.escalation
    operations = openapi_operations(escalation_service, 12)
    fuzz_operations(
        operations,
        escalation_service,
        fuzzco_admin(escalation_village.incidents),
        GenerationMode.POSITIVE,
        lambda: {"party": "fuzzco"},
        on="party",
    )


def fuzz_operations(
    operations: list[Any],
    service: Any,
    headers: dict[str, str],
    mode: GenerationMode,
    path_parameters: Callable[[], dict[str, str]] | None,
    on: str = "incident_id",
) -> None:
    """Every operation, MAX_EXAMPLES cases each; `path_parameters` (when given) pins the path
    to a real resource and skips operations whose path has no `{on}` parameter."""
    failures: dict[str, str] = {}
    for operation in operations:
        fixed: dict[str, Any] = {}
        if path_parameters is not None:
            if f"{{{on}}}" not in operation.path:
                continue
            # a fresh resource per operation (e.g. an incident of northwind's), so random
            # actions reach the rules
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
