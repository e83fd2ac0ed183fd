"""Input PostgreSQL cannot store (NUL characters) is refused with a problem, never a 500."""

from __future__ import annotations

import pytest
from e2e_support import assert_problem, incident_body, open_incident


@pytest.mark.parametrize("field", ["title", "description", "product"])
async def test_nul_in_a_body_is_a_422(api, field):
    response = await api("northwind").post("/incidents", json=incident_body(**{field: "a\u0000b"}))
    problem = assert_problem(response, 422)
    assert "NUL" in problem["detail"]


async def test_nul_anywhere_else_is_a_problem_and_changes_nothing(api):
    northwind = api("northwind")
    incident = await open_incident(northwind)
    version = incident["version"]
    ref = {"owner": "northwind", "type": "servicenow", "id": "INC\u00001"}
    assert_problem(await northwind.post("/incidents", json=incident_body(external_refs=[ref])), 422)
    assert_problem(
        await northwind.post(
            f"/incidents/{incident['id']}/notes", json={"body": "x\u0000y", "visibility": "shared"}
        ),
        422,
    )
    assert_problem(await northwind.get("/incidents", params={"product": "r\u0000"}), 400)
    assert_problem(
        await northwind.get(
            "/incidents/by-external-ref", params={"owner": "northwind", "type": "x", "id": "\u0000"}
        ),
        400,
    )
    assert_problem(await northwind.get(f"/incidents/{incident['id']}%00"), 400)
    after = await northwind.get(f"/incidents/{incident['id']}")
    assert after.json()["version"] == version and after.json()["notes"] == []
