"""The OpenAPI document the running incidents service serves is valid OpenAPI (partners generate
their clients from it), and every route is declared where a search for its path finds it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from openapi_spec_validator import validate

import village_incidents


async def test_the_served_openapi_document_is_valid(incidents_service: Any) -> None:
    async with httpx.AsyncClient(base_url=incidents_service.url, trust_env=False) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)  # raises, naming what is wrong (an undeclared path parameter, ...)
    # Every path parameter of every operation is declared.
    for path, operations in document["paths"].items():
        named = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == named, (method, path)


def test_every_route_path_is_written_out_in_the_source(incidents_service: Any) -> None:
    """No route is built by a factory: its path, as the document names it, is in the code."""
    source = "\n".join(p.read_text() for p in Path(village_incidents.__file__).parent.glob("*.py"))
    document = httpx.get(f"{incidents_service.url}/openapi.json", trust_env=False).json()
    own = [
        p
        for p in document["paths"]
        if p.startswith(("/incidents", "/parties", "/provider-incidents"))
    ]
    assert own and [p for p in own if f'"{p}"' not in source] == []
