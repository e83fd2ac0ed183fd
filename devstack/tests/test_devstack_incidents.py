"""The `incidents_service` fixture: migrated, healthy, seeded; restartable on the same port
and db.
"""

import asyncpg
import httpx

from village_devstack import demo


def test_demo_parties_are_seeded(incidents_service, tokens):
    response = httpx.get(
        f"{incidents_service.url}/parties",
        headers={"Authorization": f"Bearer {tokens('acme')}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    ids = {party["id"] for party in response.json()["items"]}
    # A provider sees the web its products reach, never another provider.
    assert ids >= {p.id for p in demo.PARTIES} - {"globex"} and "globex" not in ids
    as_globex = httpx.get(
        f"{incidents_service.url}/parties",
        headers={"Authorization": f"Bearer {tokens('globex')}"},
        timeout=10,
    ).json()["items"]
    # globex's products reach northwind, contoso and their customers; fabrikam buys only
    # acme's cloud through northwind, and who supplies northwind otherwise is not globex's.
    assert {p["id"] for p in as_globex} == {"globex", "northwind", "contoso", "initech", "umbrella"}
    assert {p["id"]: p["provider"] for p in as_globex}["northwind"] is None
    assert {p["id"]: p["customers"] for p in as_globex}["northwind"] == ["initech"]


async def test_service_database_is_unique_to_the_session(stack, incidents_service):
    assert stack.run_id in incidents_service.database_url
    conn = await asyncpg.connect(incidents_service.database_url)
    try:
        assert await conn.fetchval("select current_database()") == stack.database_name("incidents")
    finally:
        await conn.close()


def test_seeding_again_is_idempotent(incidents_service):
    demo.seed_parties(incidents_service.url)


def test_restart_keeps_port_and_data(incidents_service, tokens):
    port = incidents_service.port
    incidents_service.stop()
    assert not incidents_service.running()
    incidents_service.start()
    assert incidents_service.port == port
    response = httpx.get(
        f"{incidents_service.url}/parties",
        headers={"Authorization": f"Bearer {tokens('northwind')}"},
        timeout=10,
    )
    assert response.status_code == 200
