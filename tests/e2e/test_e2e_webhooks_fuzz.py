"""The webhooks API fuzzed from its OpenAPI (schemathesis): no request makes it answer 5xx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from schemathesis import GenerationMode
from test_e2e_fuzz import fuzz_operations, fuzzco_token, openapi_operations


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
def test_no_request_makes_the_webhooks_service_fail(
    mode: GenerationMode, webhooks_service: Any, incidents_service: Any
) -> None:
    operations = openapi_operations(webhooks_service, 9)
    # An admin of a partner of its own, in no incident: requests reach validation, URL checks and
    # the store's lookups, and no endpoint it could register gets deliveries other tests would
    # wait behind.
    token = fuzzco_token(incidents_service)
    fuzz_operations(operations, webhooks_service, {"Authorization": f"Bearer {token}"}, mode, None)


def test_no_request_on_a_real_endpoint_makes_the_webhooks_service_fail(
    webhooks_service: Any, tokens: Any
) -> None:
    """Reads, changes, secret rotations, replays and delivery pages of an endpoint that exists:
    a fresh one per operation (one may delete it), of a demo party (endpoints need one), for an
    event type nothing emits; all deleted at the end, so none is left to deliver to."""
    headers = {"Authorization": f"Bearer {tokens('umbrella', 'admin')}"}
    made: list[str] = []

    def fresh_endpoint() -> dict[str, str]:
        created = httpx.post(
            f"{webhooks_service.url}/endpoints",
            headers=headers,
            json={"url": "http://127.0.0.1:9/fuzz", "event_types": ["village.fuzz.never.v1"]},
        )
        assert created.status_code == 201, created.text
        made.append(created.json()["id"])
        return {"endpoint_id": made[-1]}

    operations = openapi_operations(webhooks_service, 9)
    try:
        fuzz_operations(
            operations,
            webhooks_service,
            headers,
            GenerationMode.POSITIVE,
            fresh_endpoint,
            on="endpoint_id",
        )
    finally:
        for endpoint in made:
            gone = httpx.delete(f"{webhooks_service.url}/endpoints/{endpoint}", headers=headers)
            assert gone.status_code in (204, 404), gone.text
