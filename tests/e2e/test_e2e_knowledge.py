"""The knowledge service end to end: a real PostgreSQL and broker, the incidents service and the
knowledge service as subprocesses (village_devstack.testing), the demo knowledge base seeded.

Articles' lifecycle and review, search relevance on the labelled demo corpus, suggestions for a
new incident (API and topic), links and solves, knowledge transfer from shared notes only, and
the audience rule: a `provider` article never reaches a partner or a customer by any path.
The read-model rebuild test is in test_e2e_knowledge_rebuild.py (it restarts the service)."""

from __future__ import annotations

import uuid
from typing import Any

from e2e_support import Api, IncidentTopicReader, assert_problem, open_incident
from schema_check import assert_valid_cloudevent

from village_devstack.knowledge_corpus import ARTICLES, QUERIES
from village_devstack.waiting import eventually

TOPIC = "village.knowledge.v1"
SLUGS = {a["article"]["title"]: a["slug"] for a in ARTICLES}
# Measured on the demo corpus: mean precision@3 0.967 (15 queries: 14 at 1.0, "vpn tunnel keeps
# dropping" at 0.5); the floor leaves a little room for ranking changes.
PRECISION_FLOOR = 0.85


def article(**overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Test article",
        "body": "Body text",
        "audience": "public",
        "products": ["routers"],
        "tags": ["test"],
        "symptoms": [],
        "resolution_steps": [],
    }
    body.update(overrides)
    return body


async def published(kb: Api, author: str = "acme", **overrides: Any) -> dict[str, Any]:
    """An article written by `author` (with review when a partner) and published by acme."""
    writer, acme = kb(author, "admin"), kb("acme", "reviewer")
    created = await writer.post("/articles", json=article(provider="acme", **overrides))
    assert created.status_code == 201, created.text
    aid = created.json()["id"]
    if author != "acme":
        assert (await writer.post(f"/articles/{aid}/submit")).status_code == 200
    response = await acme.post(f"/articles/{aid}/publish")
    assert response.status_code == 200, response.text
    return response.json()


async def search_ids(client: Any, q: str, **params: Any) -> list[str]:
    response = await client.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [h["article_id"] for h in response.json()["items"]]


# --------------------------------------------------------------------------- lifecycle


async def test_a_partners_article_is_reviewed_before_other_partners_see_it(kb: Api) -> None:
    nw, contoso, initech = kb("northwind"), kb("contoso"), kb("initech")
    acme_agent, reviewer = kb("acme"), kb("acme", "reviewer")
    word = f"quokka{uuid.uuid4().hex[:8]}"
    created = await nw.post(
        "/articles",
        json=article(title=f"Branch {word} checklist", audience="partners", provider="acme"),
    )
    assert created.status_code == 201, created.text
    assert (
        created.headers["ETag"] == '"1"'
        and created.headers["Location"] == f"/articles/{created.json()['id']}"
    )
    aid = created.json()["id"]
    assert (await contoso.get(f"/articles/{aid}")).status_code == 404
    assert (await acme_agent.get(f"/articles/{aid}")).json()["status"] == "draft"
    assert_problem(
        await reviewer.post(f"/articles/{aid}/publish"), 409, "invalid-transition"
    )  # not submitted
    assert (await nw.post(f"/articles/{aid}/submit")).json()["status"] == "in_review"
    assert_problem(await nw.post(f"/articles/{aid}/publish"), 403)
    assert_problem(
        await acme_agent.post(f"/articles/{aid}/publish"), 403
    )  # an agent, not a reviewer
    rejected = await reviewer.post(f"/articles/{aid}/reject", json={"reason": "name the firmware"})
    assert (
        rejected.json()["status"] == "draft"
        and rejected.json()["review_note"] == "name the firmware"
    )
    assert_problem(
        await nw.put(
            f"/articles/{aid}",
            json=article(title="x", audience="partners"),
            headers={"If-Match": '"1"'},
        ),
        412,
    )
    revised = await nw.put(
        f"/articles/{aid}",
        json=article(title=f"Branch {word} checklist 17.3", audience="partners"),
        headers={"If-Match": rejected.headers["ETag"]},
    )
    assert revised.status_code == 200 and revised.json()["version"] == 2
    await nw.post(f"/articles/{aid}/submit")
    assert await search_ids(contoso, word) == []
    done = await reviewer.post(f"/articles/{aid}/publish")
    assert done.json()["status"] == "published" and done.json()["published_version"] == 2
    assert await search_ids(contoso, word) == [aid]
    assert (await contoso.get(f"/articles/{aid}")).json()["title"].endswith("17.3")
    assert (await initech.get(f"/articles/{aid}")).status_code == 404  # partners only
    assert await search_ids(initech, word) == []

    # A revision of a published article is a draft again: readers keep the published version.
    etag = (await nw.get(f"/articles/{aid}")).headers["ETag"]
    await nw.put(
        f"/articles/{aid}",
        json=article(title=f"Branch {word} checklist v3", audience="public"),
        headers={"If-Match": etag},
    )
    seen = (await contoso.get(f"/articles/{aid}")).json()
    assert seen["version"] == 2 and seen["title"].endswith("17.3")
    assert (await contoso.get(f"/articles/{aid}", params={"version": 3})).status_code == 404
    assert [v["version"] for v in (await nw.get(f"/articles/{aid}/versions")).json()["items"]] == [
        1,
        2,
        3,
    ]
    assert (await nw.get(f"/articles/{aid}", params={"version": 1})).json()[
        "title"
    ] == f"Branch {word} checklist"
    await nw.post(f"/articles/{aid}/submit")
    await reviewer.post(f"/articles/{aid}/publish")
    assert (await initech.get(f"/articles/{aid}")).json()["version"] == 3  # public now

    retired = await nw.post(f"/articles/{aid}/retire", json={"reason": "obsolete"})
    assert retired.json()["status"] == "retired"
    assert (
        await search_ids(contoso, word) == []
        and (await contoso.get(f"/articles/{aid}")).status_code == 404
    )


# --------------------------------------------------------------------------- relevance


async def test_search_relevance_on_the_labelled_demo_corpus(kb: Api) -> None:
    """Precision at 3 over the labelled queries (village_devstack.knowledge_corpus.QUERIES, 15
    queries over the 24 demo articles): for each query, the share of its top 3 that are relevant,
    out of min(3, relevant articles). Measured: 0.967 (14 queries at 1.0, one at 0.5);
    floor 0.85."""
    acme = kb("acme")
    scores = []
    for q, relevant in QUERIES:
        response = await acme.get("/search", params={"q": q, "limit": 3})
        assert response.status_code == 200, response.text
        top = [SLUGS.get(h["title"]) for h in response.json()["items"]]
        scores.append(len(set(top) & set(relevant)) / min(3, len(relevant)))
    precision = sum(scores) / len(scores)
    assert len(QUERIES) >= 10 and len(ARTICLES) >= 20
    assert precision >= PRECISION_FLOOR, list(zip([q for q, _ in QUERIES], scores, strict=True))
    # Snippets highlight the matched words; a misspelt query still finds the article by its title.
    hit = (await acme.get("/search", params={"q": "spanning tree loop"})).json()["items"][0]
    assert (
        SLUGS[hit["title"]] == "switch-spanning-tree-loop"
        and "<mark>" in hit["snippet"] + hit["title_highlighted"]
    )
    typo = (await acme.get("/search", params={"q": "spaning tre lopo"})).json()["items"]
    assert [SLUGS.get(h["title"]) for h in typo][:1] == ["switch-spanning-tree-loop"], typo
    assert typo[0]["match"] == "similar_title"


async def test_search_filters_and_pages(kb: Api) -> None:
    nw = kb("northwind")
    firewalls = (
        await nw.get("/search", params={"q": "firewall", "product": "firewalls", "limit": 50})
    ).json()["items"]
    assert firewalls and all("firewalls" in h["products"] for h in firewalls)
    tagged = (await nw.get("/search", params={"q": "login", "tag": "saml"})).json()["items"]
    assert {SLUGS[h["title"]] for h in tagged} == {
        "sso-saml-clock-skew",
        "sso-certificate-rollover",
    }
    partners_only = (
        await nw.get("/search", params={"q": "firewall", "visibility": "partners"})
    ).json()["items"]
    assert partners_only and {h["audience"] for h in partners_only} == {"partners"}
    first = (await nw.get("/search", params={"q": "router vpn firewall switch", "limit": 3})).json()
    second = (
        await nw.get(
            "/search",
            params={"q": "router vpn firewall switch", "limit": 3, "cursor": first["next_cursor"]},
        )
    ).json()
    ids = [h["article_id"] for h in first["items"] + second["items"]]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert_problem(
        await nw.get("/search", params={"q": "other", "cursor": first["next_cursor"]}), 400
    )


# --------------------------------------------------------------------------- suggestions


async def test_a_new_incident_gets_suggestions_on_the_api_and_the_topic(
    kb: Api, api: Api, stack: Any
) -> None:
    incident = await open_incident(
        api("northwind"),
        title="VPN tunnel to Leeds flaps every few minutes",
        description="IKE rekey failures since the router firmware upgrade",
        product="routers",
    )
    iid = incident["id"]
    nw, acme, initech = kb("northwind"), kb("acme"), kb("initech")

    async def suggested(client: Any) -> list[dict[str, Any]]:
        response = await client.get(f"/incidents/{iid}/suggestions")
        assert response.status_code == 200, response.text
        return response.json()["items"]

    items = await eventually(lambda: suggested(nw), what="suggestions for the new incident")
    assert SLUGS[items[0]["title"]] == "ipsec-lifetime-mismatch"
    assert all(i["audience"] in ("public", "partners") for i in items)
    # acme also sees its provider-only defect article; initech only public ones.
    assert "router-memory-leak-ike" in {SLUGS[i["title"]] for i in await suggested(acme)}
    assert {i["audience"] for i in await suggested(initech)} <= {"public"}
    assert_problem(await kb("contoso").get(f"/incidents/{iid}/suggestions"), 404)

    async with IncidentTopicReader(stack.kafka_bootstrap, TOPIC) as reader:
        records = (await reader.collect({iid: 2}))[iid]
    kinds = []
    for r in records:
        data = assert_valid_cloudevent(r.headers, r.key, r.value)
        headers = {k: v.decode() for k, v in r.headers}
        kinds.append((data["audience"], headers["ce_visibility"]))
        assert data["incident_id"] == iid
    assert ("public", "shared") in kinds and ("provider", "internal") in kinds


# --------------------------------------------------------------------------- isolation


def _sees(headers: dict[str, str], party: str, kind: str) -> bool:
    """THE RULE every consumer serving parties applies to an event's attributes."""
    if party not in headers["ce_parties"].split():
        return False
    visibility = headers["ce_visibility"]
    return (
        visibility == "shared"
        or (visibility == "restricted" and kind != "customer")
        or (visibility == "internal" and headers["ce_actorparty"] == party)
    )


async def _all_records(stack: Any) -> list[tuple[dict[str, str], bytes]]:
    async with IncidentTopicReader(stack.kafka_bootstrap, TOPIC) as reader:
        await reader.settle()
        found = []
        for records in reader.records.values():
            for r in records:
                assert_valid_cloudevent(r.headers, r.key, r.value)
                found.append(({k: v.decode() for k, v in r.headers}, r.value))
    return found


async def test_a_provider_article_never_reaches_a_partner_or_a_customer(
    kb: Api, api: Api, stack: Any
) -> None:
    word = f"zorblatix{uuid.uuid4().hex[:6]}"
    secret = await published(
        kb,
        "acme",
        title=f"Internal {word} workaround for the tunnel reset defect",
        body=f"Engineering only: {word} patch for tunnel resets.",
        audience="provider",
        products=["routers"],
        tags=["internal"],
    )
    aid = secret["id"]
    acme, nw, initech = kb("acme"), kb("northwind"), kb("initech")
    assert await search_ids(acme, word) == [aid]
    assert await search_ids(acme, word[:-1] + " workaround tunel") and aid in await search_ids(
        acme, f"Internl {word}"
    )
    for party in ("northwind", "contoso", "initech", "umbrella"):
        client = kb(party)
        assert await search_ids(client, word) == []
        assert aid not in await search_ids(
            client, f"Internl {word} workaround for the tunel reset defect"
        )
        assert_problem(await client.get(f"/articles/{aid}"), 404)
        assert_problem(await client.get(f"/articles/{aid}/stats"), 404)
        assert_problem(await client.get(f"/articles/{aid}/versions"), 404)
        assert_problem(await client.post(f"/articles/{aid}/feedback", json={"helpful": True}), 404)
        listed = (await client.get("/articles", params={"limit": 100})).json()["items"]
        assert aid not in {a["id"] for a in listed}
    assert_problem(
        await nw.post("/articles", json=article(audience="provider", provider="acme")),
        422,
        "invalid-audience",
    )

    # A new incident about it: acme is suggested the article, northwind and initech are not.
    incident = await open_incident(
        api("northwind"),
        title=f"Tunnel reset defect {word}",
        description=f"{word} tunnel resets",
        product="routers",
    )
    iid = incident["id"]

    async def suggested(client: Any) -> set[str]:
        response = await client.get(f"/incidents/{iid}/suggestions")
        assert response.status_code == 200, response.text
        return {i["article_id"] for i in response.json()["items"]}

    assert aid in await eventually(lambda: suggested(acme), what="acme's suggestion")
    assert aid not in await suggested(nw) and aid not in await suggested(initech)
    # Linking it: a 404 for northwind (it may not read it); acme may link it, northwind does not
    # see the link.
    assert_problem(await nw.post(f"/incidents/{iid}/links", json={"article_id": aid}), 404)
    assert (await acme.post(f"/incidents/{iid}/links", json={"article_id": aid})).status_code == 201
    assert aid not in {
        i["article_id"] for i in (await nw.get(f"/incidents/{iid}/links")).json()["items"]
    }
    assert aid in {
        i["article_id"] for i in (await acme.get(f"/incidents/{iid}/links")).json()["items"]
    }
    await acme.post(f"/articles/{aid}/feedback", json={"helpful": True, "incident_id": iid})
    await eventually(lambda: acme.get(f"/articles/{aid}/stats"), lambda r: r.json()["helpful"] == 1)

    # On the topic: every record northwind or initech may see by THE RULE is free of it.
    records = await eventually(
        lambda: _all_records(stack),
        lambda rs: sum(aid in v.decode() for _, v in rs) >= 4,
        what="the article's events",
    )
    about = [
        h for h, v in records if aid in v.decode() or h["ce_subject"].startswith(f"article:{aid}")
    ]
    assert {h["ce_type"].split(".")[2] for h in about} >= {
        "article_drafted",
        "article_published",
        "suggestions_made",
        "article_linked",
        "feedback_given",
    }
    for party, kind in (("northwind", "partner"), ("initech", "customer"), ("contoso", "partner")):
        leaked = [h["ce_type"] for h in about if _sees(h, party, kind)]
        assert leaked == [], (party, leaked)
    assert all(
        h["ce_visibility"] == "internal" and h["ce_parties"] == "acme"
        for h in about
        if h["ce_type"] != "village.knowledge.article_drafted.v1"
    )


# --------------------------------------------------------------------------- knowledge transfer


async def test_a_resolution_becomes_a_draft_from_shared_notes_only(
    kb: Api, api: Api, stack: Any
) -> None:
    inside, restricted, shared = (
        f"{w}{uuid.uuid4().hex[:8]}" for w in ("secretinternal", "secretrestricted", "sharedclue")
    )
    nw_incidents = api("northwind")
    incident = await open_incident(
        nw_incidents,
        title="Printer VLAN unreachable after switch swap",
        description="Printers on VLAN 40 offline since the stack swap",
        product="switches",
    )
    iid = incident["id"]
    for visibility, word in (("internal", inside), ("restricted", restricted), ("shared", shared)):
        response = await nw_incidents.post(
            f"/incidents/{iid}/notes", json={"body": f"note {word}", "visibility": visibility}
        )
        assert response.status_code == 200, response.text
    response = await nw_incidents.post(
        f"/incidents/{iid}/status",
        json={
            "status": "resolved",
            "resolution_code": "config-fix",
            "resolution_notes": "Re-added VLAN 40 to the trunk",
        },
    )
    assert response.status_code == 200, response.text

    nw = kb("northwind")

    async def draft() -> dict[str, Any] | None:
        cursor = None
        while True:  # every page: other tests (the fuzzer) leave drafts of northwind's too
            params = {"status": "draft", "limit": 100} | ({"cursor": cursor} if cursor else {})
            page = (await nw.get("/articles", params=params)).json()
            found = next((a for a in page["items"] if a["origin_incident"] == iid), None)
            if found is not None or page["next_cursor"] is None:
                return found
            cursor = page["next_cursor"]

    found = await eventually(draft, what="the proposed draft")
    assert found["author_party"] == "northwind" and found["audience"] == "partners"
    assert shared in found["body"] and "Re-added VLAN 40" in found["body"]
    text_of = str(found)
    assert inside not in text_of and restricted not in text_of
    assert_problem(
        await kb("contoso").get(f"/articles/{found['id']}"), 404
    )  # northwind's own until published
    assert (await kb("acme").get(f"/articles/{found['id']}")).status_code == 200
    # Not in the search index, not on the knowledge topic, not in the knowledge feed.
    await nw.post(f"/articles/{found['id']}/submit")
    await kb("acme", "reviewer").post(f"/articles/{found['id']}/publish")
    for word in (inside, restricted):
        assert await search_ids(kb("acme"), word) == []
    assert await search_ids(kb("acme"), shared) == [found["id"]]
    records = await _all_records(stack)
    assert any(shared.encode() in v for _, v in records)
    assert not any(inside.encode() in v or restricted.encode() in v for _, v in records)
    service = kb(None, token=_service_token())
    after, everything = 0, []
    while True:
        page = (await service.get("/events", params={"after": after, "limit": 1000})).json()
        everything += page["items"]
        if page["next_after"] == after:
            break
        after = page["next_after"]
    assert everything and not any(inside in str(e) or restricted in str(e) for e in everything)


def _service_token() -> str:
    from village_platform.auth import mint_token
    from village_platform.settings import Settings

    return mint_token(Settings(), "webhooks", "service", roles=["service"])


# --------------------------------------------------------------------------- duplicates


async def test_solves_and_feedback_survive_duplicate_events(
    kb: Api, api: Api, knowledge_service: Any, incidents_service: Any
) -> None:
    """The incident's events delivered again (through the consumer's apply path, and straight to
    the handler, which the handled records would otherwise shield) change no count and append
    no event; feedback given again by the same party is still one vote."""
    from sqlalchemy import text

    from village_knowledge import consumer, projection
    from village_knowledge.reactions import Reactions
    from village_knowledge.streams import Streams
    from village_platform.applier import SKIPPED, Applier
    from village_platform.clock import SystemClock
    from village_platform.db import make_engine
    from village_platform.eventstore import EventStore
    from village_platform.feedclient import FeedClient
    from village_platform.settings import Settings

    target = await published(
        kb,
        "acme",
        title="Duplicate-proof DHCP relay article",
        audience="public",
        body="DHCP relay on the branch router forwards to the wrong helper address.",
    )
    aid = target["id"]
    nw_incidents = api("northwind")
    incident = await open_incident(nw_incidents, title="DHCP relay wrong helper", product="routers")
    iid = incident["id"]
    nw = kb("northwind")
    await eventually(
        lambda: nw.get(f"/incidents/{iid}/suggestions"), lambda r: r.status_code == 200
    )
    assert (await nw.post(f"/incidents/{iid}/links", json={"article_id": aid})).status_code == 201
    assert (
        await nw.post(f"/incidents/{iid}/links", json={"article_id": aid})
    ).status_code == 200  # linked already
    await nw_incidents.post(
        f"/incidents/{iid}/status",
        json={
            "status": "resolved",
            "resolution_code": "config-fix",
            "resolution_notes": "Fixed the helper address",
        },
    )
    for helpful in (True, True, False, True):
        given = await nw.post(
            f"/articles/{aid}/feedback", json={"helpful": helpful, "incident_id": iid}
        )
        assert given.status_code == 200, given.text
    assert (
        await kb("initech").post(f"/articles/{aid}/feedback", json={"helpful": False})
    ).status_code == 200
    expected = {"article_id": aid, "usage": 1, "solves": 1, "helpful": 1, "not_helpful": 1}
    await eventually(
        lambda: nw.get(f"/articles/{aid}/stats"), lambda r: r.json() == expected, what="the stats"
    )

    settings = Settings(
        service="knowledge",
        port=0,
        DATABASE_URL=knowledge_service.database_url,
        database_is_own=True,
    )
    engine = make_engine(settings)
    routes = consumer.routes(Reactions(Streams(EventStore(SystemClock()))))
    feed = FeedClient.for_consumer(
        incidents_service.url, settings, consumer.NAME, source=consumer.SOURCE
    )
    try:
        async with engine.connect() as conn:
            events_before = await conn.scalar(text("SELECT count(*) FROM events"))
        incident_events = await feed.stream_events(iid)
        assert [e.type.split(".")[2] for e in incident_events][-1] == "resolved"
        applier = Applier(consumer.NAME, engine, routes, SystemClock())
        assert [await applier.apply(e) for e in incident_events] == [SKIPPED] * len(incident_events)
        for _ in range(2):  # past the handled records: the handler itself must not count twice
            for event in incident_events:
                async with engine.begin() as conn:
                    await routes[event.type](conn, event)
        async with engine.begin() as conn:  # the stored feedback events projected again
            for row in await conn.execute(
                text(
                    "SELECT * FROM events WHERE type LIKE '%feedback_given%'"
                    " AND stream_id = :s ORDER BY id"
                ),
                {"s": f"article:{aid}:feedback"},
            ):
                from village_platform.eventstore import stored_event

                await projection.project(conn, stored_event(row._mapping))
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM events")) == events_before
    finally:
        await feed.aclose()
        await engine.dispose()
    assert (await nw.get(f"/articles/{aid}/stats")).json() == expected
    links = (await nw.get(f"/incidents/{iid}/links")).json()["items"]
    assert [(link["article_id"], link["solved"]) for link in links] == [(aid, True)]


# --------------------------------------------------------------------------- bad input


async def test_bad_input_gets_problems_and_stores_nothing(kb: Api, knowledge_service: Any) -> None:
    nw, reviewer = kb("northwind"), kb("acme", "reviewer")
    before = len(
        (await nw.get("/articles", params={"limit": 100, "status": "draft"})).json()["items"]
    )
    assert_problem(
        await nw.post("/articles", json={"body": "no title", "audience": "public"}),
        422,
        "validation-error",
    )
    assert_problem(await nw.post("/articles", json=article(audience="everyone")), 422)
    assert_problem(await nw.post("/articles", json=article(tags=["Not A Slug"])), 422)
    assert_problem(await nw.post("/articles", json={**article(), "extra": 1}), 422)
    assert_problem(await kb("initech").post("/articles", json=article()), 403)
    assert_problem(
        await nw.post("/articles", json=article(audience="provider", provider="acme")),
        422,
        "invalid-audience",
    )
    assert (
        len((await nw.get("/articles", params={"limit": 100, "status": "draft"})).json()["items"])
        == before
    )

    unknown = str(uuid.uuid4())
    for path in (
        f"/articles/{unknown}",
        f"/articles/{unknown}/stats",
        "/articles/not-a-uuid",
        f"/incidents/{unknown}/suggestions",
        f"/incidents/{unknown}/links",
    ):
        assert_problem(await nw.get(path), 404)
    assert_problem(await reviewer.post(f"/articles/{unknown}/publish"), 404)
    assert_problem(await nw.post(f"/incidents/{unknown}/links", json={"article_id": unknown}), 404)
    assert_problem(await nw.get("/search", params={"q": ""}), 422)
    assert_problem(
        await nw.get("/search", params={"q": "vpn", "cursor": "garbage"}), 400, "invalid-cursor"
    )

    # Idempotency-Key: the same request replays the stored response; another body is a 422.
    key = {"Idempotency-Key": f"kb-{uuid.uuid4()}"}
    one = article(title="Idempotent one", provider="acme")
    first = await nw.post("/articles", json=one, headers=key)
    again = await nw.post("/articles", json=one, headers=key)
    assert first.status_code == again.status_code == 201
    assert (
        again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    )
    another = article(title="Another", provider="acme")
    assert_problem(await nw.post("/articles", json=another, headers=key), 422)
    aid = first.json()["id"]
    # Stale If-Match: 412, nothing changed.
    assert_problem(
        await nw.put(f"/articles/{aid}", json=article(title="late"), headers={"If-Match": '"7"'}),
        412,
        "stale-version",
    )
    assert_problem(
        await nw.put(f"/articles/{aid}", json=article(title="late"), headers={"If-Match": 'W/"1"'}),
        412,
    )
    assert (await nw.get(f"/articles/{aid}")).json()["title"] == "Idempotent one"
    assert_problem(
        await kb("contoso").put(f"/articles/{aid}", json=article(), headers={"If-Match": '"1"'}),
        404,
    )
    assert_problem(await nw.post(f"/articles/{aid}/retire", json={"reason": ""}), 422)
    assert_problem(
        await reviewer.post(f"/articles/{aid}/reject", json={"reason": "x"}), 409
    )  # not in review


async def test_links_come_and_go_and_a_reopened_incident_solves_once(
    kb: Api, api: Api, knowledge_service: Any
) -> None:
    target = await published(
        kb,
        "acme",
        title="Stack cable reseat procedure for split stacks",
        body="Reseat both stack cables and reload the standby member.",
        products=["switches"],
    )
    aid = target["id"]
    nw_incidents = api("northwind")
    iid = (await open_incident(nw_incidents, title="Switch stack split", product="switches"))["id"]
    nw = kb("northwind")
    await eventually(
        lambda: nw.get(f"/incidents/{iid}/suggestions"), lambda r: r.status_code == 200
    )
    assert (await nw.post(f"/incidents/{iid}/links", json={"article_id": aid})).status_code == 201
    assert (await nw.delete(f"/incidents/{iid}/links/{aid}")).status_code == 204
    assert_problem(await nw.delete(f"/incidents/{iid}/links/{aid}"), 404)
    assert (await nw.get(f"/incidents/{iid}/links")).json()["items"] == []
    assert (
        await kb("initech").post(f"/incidents/{iid}/links", json={"article_id": aid})
    ).status_code == 201
    assert_problem(
        await kb("contoso").post(f"/incidents/{iid}/links", json={"article_id": aid}), 404
    )

    async def resolve() -> None:
        response = await nw_incidents.post(
            f"/incidents/{iid}/status",
            json={
                "status": "resolved",
                "resolution_code": "hardware",
                "resolution_notes": "Reseated the stack cables",
            },
        )
        assert response.status_code == 200, response.text

    await resolve()
    stats = await eventually(
        lambda: nw.get(f"/articles/{aid}/stats"), lambda r: r.json()["solves"] == 1
    )
    assert stats.json()["usage"] == 1
    assert (
        await nw_incidents.post(
            f"/incidents/{iid}/status", json={"status": "reopened", "reason": "flapped again"}
        )
    ).status_code == 200
    await resolve()

    async def drafts() -> list[dict[str, Any]]:
        items, cursor = [], None
        while True:
            params = {"status": "draft", "limit": 100} | ({"cursor": cursor} if cursor else {})
            page = (await nw.get("/articles", params=params)).json()
            items += [a for a in page["items"] if a["origin_incident"] == iid]
            if page["next_cursor"] is None:
                return items
            cursor = page["next_cursor"]

    await eventually(drafts, what="the proposed draft")
    # Once the knowledge service has applied the second resolution, nothing was counted again.
    version = (await nw_incidents.get(f"/incidents/{iid}")).json()["version"]

    async def applied() -> int:
        import asyncpg

        conn = await asyncpg.connect(knowledge_service.database_url)
        try:
            return (
                await conn.fetchval(
                    "SELECT version FROM stream_positions WHERE consumer = 'knowledge'"
                    " AND stream_id = $1",
                    iid,
                )
                or 0
            )
        finally:
            await conn.close()

    await eventually(applied, lambda v: v == version, what="the second resolution applied")
    links = (await nw.get(f"/incidents/{iid}/links")).json()["items"]
    assert [(link["article_id"], link["solved"]) for link in links] == [(aid, True)]
    assert (await nw.get(f"/articles/{aid}/stats")).json()["solves"] == 1
    assert len(await drafts()) == 1


# --------------------------------------------------------------------------- documentation


async def test_openapi_examples_have_the_shape_of_real_responses(kb: Api, api: Api) -> None:
    """The documented response examples name exactly the fields the service answers with."""
    acme, nw = kb("acme"), kb("northwind")
    spec = (await acme.get("/openapi.json")).json()

    def example(path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
        return spec["paths"][path][method]["responses"][status]["content"]["application/json"][
            "example"
        ]

    target = await published(
        kb, "acme", title="Example-shaped article about ipsec rekeys", body="ipsec rekey"
    )
    aid = target["id"]
    real_article = (await acme.get(f"/articles/{aid}")).json()
    assert set(example("/articles/{article_id}")) == set(real_article)
    # A new draft's null fields are left out of its example (OpenAPI drops nulls); the rest match.
    assert set(example("/articles", "post", "201")) == set(real_article) - {
        "published_version",
        "review_note",
        "origin_incident",
    }
    hit = (await acme.get("/search", params={"q": "ipsec rekeys"})).json()
    assert set(example("/search")) == set(hit) and set(example("/search")["items"][0]) == set(
        hit["items"][0]
    )
    assert set(example("/articles/{article_id}/stats")) == set(
        (await acme.get(f"/articles/{aid}/stats")).json()
    )
    iid = (await open_incident(api("northwind"), title="ipsec rekeys fail", product="routers"))[
        "id"
    ]
    suggested = await eventually(
        lambda: nw.get(f"/incidents/{iid}/suggestions"),
        lambda r: r.status_code == 200 and r.json()["items"],
    )
    documented = example("/incidents/{incident_id}/suggestions")
    assert set(documented) == set(suggested.json())
    assert set(documented["items"][0]) == set(suggested.json()["items"][0])
    for schema in ("ArticleIn", "FeedbackIn", "LinkIn", "RejectIn", "RetireIn"):
        assert spec["components"]["schemas"][schema]["examples"], schema


# --------------------------------------------------------------------------- the whole topic


async def test_no_record_on_the_topic_shows_a_party_an_article_beyond_its_audience(
    kb: Api, stack: Any
) -> None:
    """Every knowledge record so far (this session's tests and the demo seed), by THE RULE: what
    a partner may see names no provider-only article, what a customer may see names only public
    ones, and no party sees another party's unpublished article events."""
    audience: dict[str, str] = {}
    authors: dict[str, str] = {}
    for provider in ("acme", "globex"):  # each provider reads its own knowledge base
        cursor = None
        while True:
            page = (
                await kb(provider).get(
                    "/articles", params={"limit": 100} | ({"cursor": cursor} if cursor else {})
                )
            ).json()
            for a in page["items"]:
                audience[a["id"]], authors[a["id"]] = a["audience"], a["author_party"]
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
    records = await _all_records(stack)
    assert len(records) >= 2 * len(ARTICLES)  # the seed alone: drafted and published
    parties = (
        ("northwind", "partner"),
        ("contoso", "partner"),
        ("initech", "customer"),
        ("umbrella", "customer"),
    )
    for headers, value in records:
        data = json_of(value)
        named = (
            {data["article_id"]}
            if "article_id" in data
            else {a["article_id"] for a in data.get("articles", [])}
        )
        kind_of_event = headers["ce_type"].split(".")[2]
        for party, kind in parties:
            if not _sees(headers, party, kind):
                continue
            for aid in named:
                assert audience.get(aid) != "provider", (party, headers["ce_type"], aid)
                if kind == "customer":
                    assert audience.get(aid) == "public", (party, headers["ce_type"], aid)
                if kind_of_event in (
                    "article_drafted",
                    "draft_proposed",
                    "article_revised",
                    "article_submitted",
                    "article_rejected",
                ):
                    assert authors.get(aid) == party, (party, headers["ce_type"], aid)


def json_of(value: bytes) -> dict[str, Any]:
    import json

    return json.loads(value)


# --------------------------------------------------------------------------- revocation


async def test_a_revoked_collaborator_loses_the_incidents_knowledge_with_the_revocation_itself(
    api: Api,
    kb: Api,
) -> None:
    """contoso, invited on northwind's incident, reads its suggestions and links articles; once
    revoked it gets 404 for both, from the revocation event on: no later event of the incident
    is needed (nothing else happens to it here)."""
    iid = (await open_incident(api("northwind"), title="Router firmware upgrade fails"))["id"]
    r = await api("northwind").post(f"/incidents/{iid}/collaborators", json={"partner": "contoso"})
    assert r.status_code == 200, r.text
    contoso = kb("contoso")
    await eventually(
        lambda: contoso.get(f"/incidents/{iid}/suggestions"),
        lambda r: r.status_code == 200,
        what="contoso, invited, to read the suggestions",
    )
    article_id = (await published(kb, title=f"Revocation {uuid.uuid4().hex[:8]}"))["id"]
    linked = await contoso.post(f"/incidents/{iid}/links", json={"article_id": article_id})
    assert linked.status_code in (200, 201), linked.text
    r = await api("northwind").post(
        f"/incidents/{iid}/collaborators/contoso/revoke", json={"reason": "done"}
    )
    assert r.status_code == 200, r.text
    await eventually(
        lambda: contoso.get(f"/incidents/{iid}/suggestions"),
        lambda r: r.status_code == 404,
        timeout=10,
        what="the revocation to reach the knowledge service",
    )
    assert_problem(await contoso.get(f"/incidents/{iid}/links"), 404)
    assert_problem(
        await contoso.post(f"/incidents/{iid}/links", json={"article_id": article_id}), 404
    )
    assert_problem(await contoso.delete(f"/incidents/{iid}/links/{article_id}"), 404)
    assert (await kb("northwind").get(f"/incidents/{iid}/suggestions")).status_code == 200
