"""The webhooks API fuzzed from its OpenAPI (schemathesis): no request makes it answer 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis import GenerationMode
from test_e2e_fuzz import fuzz_operations, fuzzco_token, openapi_operations


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_request_makes_the_webhooks_service_fail(mode: GenerationMode, webhooks_service: Any,
                                                    incidents_service: Any) -> None:
    operations = openapi_operations(webhooks_service, 9)
    # An admin of a partner of its own, in no incident: requests reach validation, URL checks and
    # the store's lookups, and no endpoint it could register gets deliveries other tests would wait behind.
    token = fuzzco_token(incidents_service)
    fuzz_operations(operations, webhooks_service, {"Authorization": f"Bearer {token}"}, mode, None)
