"""OpenAPI fuzzing of the knowledge service (schemathesis, as test_e2e_fuzz.py does for the
others): no request makes it answer 5xx, as a partner's admin and on a real article."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from schemathesis import GenerationMode
from test_e2e_fuzz import fuzz_operations, openapi_operations


@pytest.fixture(scope="module")
def operations(knowledge_service: Any) -> list[Any]:
    return openapi_operations(knowledge_service, 15)


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"]
)
def test_no_request_makes_the_knowledge_service_fail(
    operations: list[Any], mode: GenerationMode, knowledge_service: Any, tokens: Callable[..., str]
) -> None:
    fuzz_operations(
        operations,
        knowledge_service,
        {"Authorization": f"Bearer {tokens('northwind', 'admin')}"},
        mode,
        None,
    )


def test_no_request_on_a_real_article_makes_it_fail(
    operations: list[Any], knowledge_service: Any, tokens: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens('northwind', 'admin')}"}
    created = httpx.post(
        f"{knowledge_service.url}/articles",
        headers=headers,
        json={"title": "fuzz target", "body": "fuzz", "audience": "partners", "provider": "acme"},
    )
    assert created.status_code == 201, created.text
    article = created.json()["id"]
    on_article = [
        o for o in operations if "{article_id}" in o.path and "{incident_id}" not in o.path
    ]
    assert on_article
    # The path pinned to the real article: every action reaches the aggregate's rules.
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    failures = {}
    for operation in on_article:

        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=operation.as_strategy(
                generation_mode=GenerationMode.POSITIVE, path_parameters={"article_id": article}
            )
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(
                base_url=knowledge_service.url,
                headers=headers,
                checks=[not_a_server_error],
                timeout=30,
            )

        try:
            fuzz()
        except Exception as exc:  # report every failing operation
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]
    assert not failures, failures
