"""Every service's OpenAPI document is valid OpenAPI (openapi-spec-validator), so partners'
generated clients work: every path parameter declared, every schema well formed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

SERVICES = ("incidents", "sla", "escalation", "knowledge", "webhooks", "console")


@pytest.mark.parametrize("service", SERVICES)
def test_the_openapi_document_validates(full_village: Any, service: str) -> None:
    document = httpx.get(f"{getattr(full_village, service).url}/openapi.json").json()
    validate(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("responses"), f"{method.upper()} {path} documents no response"
