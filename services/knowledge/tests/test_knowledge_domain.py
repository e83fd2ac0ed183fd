"""The article aggregate and the audience rule as pure functions: no database, no broker."""

from __future__ import annotations

import pytest

from village_knowledge.domain import articles as a
from village_knowledge.domain import events
from village_knowledge.domain.articles import Actor, Content, decide, evolve, fold, from_stored
from village_knowledge.domain.audience import (
    article_metadata,
    audiences_for,
    incident_metadata,
    knowledge_base_for,
    readers,
)
from village_knowledge.domain.supplies import Supply, legacy_supplies
from village_knowledge.search import CURSOR, MAX_OFFSET, or_query
from village_platform.errors import DomainError, Problem
from village_platform.eventstore import NewEvent

DIRECTORY = {
    "acme": {"kind": "provider"},
    "northwind": {"kind": "partner", "provider": "acme"},
    "contoso": {"kind": "partner", "provider": "acme"},
    "initech": {"kind": "customer", "partner": "northwind"},
    "umbrella": {"kind": "customer", "partner": "contoso"},
    "globex": {"kind": "partner", "provider": "other-provider"},
}
NW = Actor("northwind", "partner", "nina")
CONTOSO = Actor("contoso", "partner", "carl")
ACME = Actor("acme", "provider", "alice")
REVIEWER = Actor("acme", "provider", "rita", frozenset({"reviewer"}))
ADMIN = Actor("acme", "provider", "ada", frozenset({"admin"}))
INITECH = Actor("initech", "customer", "ian")


def content(audience: str = "partners", title: str = "Tunnel flaps") -> Content:
    return Content(
        title=title, body="Body", audience=audience, products=("routers",), tags=("vpn",)
    )


def run(state: a.Article | None, command: a.Command, actor: Actor) -> a.Article:
    for event in decide(state, command, actor):
        state = evolve(state, event)
    assert state is not None
    return state


def drafted(actor: Actor = NW, audience: str = "partners") -> a.Article:
    return run(None, a.Draft("a-1", content(audience), "acme"), actor)


def test_a_partners_article_goes_through_review() -> None:
    state = drafted()
    assert (state.status, state.version, state.stream_version, state.readable) == (
        "draft",
        1,
        1,
        False,
    )
    with pytest.raises(DomainError) as err:
        decide(state, a.Publish(), REVIEWER)
    assert err.value.status == 409  # not submitted yet
    state = run(state, a.Submit(), NW)
    with pytest.raises(DomainError) as err:
        decide(state, a.Publish(), NW)
    assert err.value.status == 403
    with pytest.raises(DomainError) as err:
        decide(state, a.Publish(), ACME)  # an agent, not a reviewer
    assert err.value.status == 403
    state = run(state, a.Reject("name the versions"), REVIEWER)
    assert state.status == "draft"
    state = run(state, a.Revise(content(title="Tunnel flaps on 17.3")), NW)
    state = run(run(state, a.Submit(), NW), a.Publish(), ADMIN)
    assert (state.status, state.published_version, state.readable) == ("published", 2, True)
    assert state.published is not None and state.published.title == "Tunnel flaps on 17.3"


def test_a_revision_of_a_published_article_keeps_the_published_version_for_readers() -> None:
    state = run(
        run(run(drafted(), a.Submit(), NW), a.Publish(), REVIEWER),
        a.Revise(content(title="v2")),
        NW,
    )
    assert (state.status, state.version, state.published_version, state.readable) == (
        "draft",
        2,
        1,
        True,
    )
    assert state.published is not None and state.published.title == "Tunnel flaps"
    assert set(state.versions) == {1, 2}
    state = run(state, a.Retire("obsolete"), NW)
    assert state.status == "retired" and not state.readable
    with pytest.raises(DomainError):
        decide(state, a.Retire(), NW)


def test_the_provider_publishes_its_own_articles_directly() -> None:
    state = run(drafted(ACME, "provider"), a.Publish(), REVIEWER)
    assert state.status == "published"


def test_who_may_do_what() -> None:
    with pytest.raises(DomainError) as err:
        decide(None, a.Draft("a-2", content("provider"), "acme"), NW)
    assert (err.value.status, err.value.kind) == (422, "invalid-audience")
    with pytest.raises(DomainError) as err:
        decide(None, a.Draft("a-2", content(), "acme"), INITECH)
    assert err.value.status == 403
    state = drafted()
    for actor in (CONTOSO, INITECH):  # another partner, a customer: it does not exist for them
        with pytest.raises(DomainError) as err:
            decide(state, a.Submit(), actor)
        assert err.value.status == 404
    with pytest.raises(DomainError) as err:
        decide(state, a.Revise(content("provider")), NW)
    assert err.value.kind == "invalid-audience"
    with pytest.raises(DomainError) as err:
        decide(state, a.Submit(), ACME)  # the author's party submits
    assert err.value.status == 403
    assert (
        decide(
            state, a.ProposeFromIncident("a-1", content(), "acme", "northwind", "i-1", "fix"), NW
        )
        == []
    )


def test_a_proposed_draft_belongs_to_the_resolving_party() -> None:
    events = decide(
        None,
        a.ProposeFromIncident("a-3", content(), "acme", "northwind", "i-1", "config-fix"),
        Actor("northwind", "service", "knowledge"),
    )
    assert [e.type for e in events] == ["village.knowledge.draft_proposed.v1"]
    state = fold(events)
    assert state is not None and (state.author_party, state.origin_incident, state.status) == (
        "northwind",
        "i-1",
        "draft",
    )


def test_evolve_returns_a_new_article_and_leaves_the_old_one_as_it_was() -> None:
    before = drafted()
    after = run(before, a.Submit(), NW)
    assert (before.status, before.stream_version) == ("draft", 1)
    assert (after.status, after.stream_version) == ("in_review", 2)


def test_an_old_payload_loads_through_the_catalogs_upcaster() -> None:
    """The article is folded from its stored events through the event catalog (events.catalog(),
    where upcasters are registered): an event stored in an earlier shape (here a made-up
    `article_created` with its content flat) is upcast as it is loaded, never rewritten; a type
    the catalog does not know is refused, not folded as if it were the current one."""
    catalog = events.catalog()
    catalog.upcaster(
        "village.knowledge.article_created.v1",
        lambda old: (
            "village.knowledge.article_drafted.v1",
            {
                "article_id": old["id"],
                "author_party": old["author"],
                "provider": old["provider"],
                "version": 1,
                "content": {
                    "title": old["title"],
                    "body": old["body"],
                    "audience": old["audience"],
                },
            },
        ),
    )
    stored = [
        NewEvent(
            "village.knowledge.article_created.v1",
            {
                "id": "a-0",
                "author": "northwind",
                "provider": "acme",
                "title": "Old tunnel flaps",
                "body": "Body",
                "audience": "partners",
            },
        ),
        NewEvent("village.knowledge.article_submitted.v1", {"article_id": "a-0", "version": 1}),
    ]
    state = from_stored(stored, catalog)
    assert state is not None
    assert (state.article_id, state.author_party, state.status, state.stream_version) == (
        "a-0",
        "northwind",
        "in_review",
        2,
    )
    assert state.content == Content(title="Old tunnel flaps", body="Body", audience="partners")
    with pytest.raises(ValueError):
        from_stored(stored)  # the service's catalog has no such upcaster
    with pytest.raises(ValueError):
        from_stored([NewEvent("village.knowledge.article_drafted.v2", {"article_id": "a-0"})])


@pytest.mark.parametrize(
    ("audience", "parties", "visibility"),
    [
        ("provider", ["acme"], "internal"),
        ("partners", ["acme", "contoso", "northwind"], "restricted"),
        ("public", ["acme", "contoso", "initech", "northwind", "umbrella"], "shared"),
    ],
)
def test_a_published_articles_readers(audience: str, parties: list[str], visibility: str) -> None:
    assert readers(audience, "acme", DIRECTORY) == parties  # never another provider's partner
    meta = article_metadata(
        "article_published", {"content": {"audience": audience}}, "northwind", "acme", DIRECTORY
    )
    assert (meta["parties"], meta["visibility"]) == (parties, visibility)
    if audience == "provider":
        assert meta["actor_party"] == "acme"


def test_unpublished_article_events_are_for_the_author_and_the_provider() -> None:
    for name in (
        "article_drafted",
        "article_revised",
        "article_submitted",
        "article_rejected",
        "article_retired",
        "draft_proposed",
    ):
        assert article_metadata(name, {}, "northwind", "acme", DIRECTORY) == {
            "parties": ["acme", "northwind"],
            "visibility": "restricted",
            "provider": "acme",
        }


def test_incident_events_by_audience() -> None:
    parties = ["acme", "initech", "northwind"]
    assert incident_metadata("public", parties, "initech", "acme") == {
        "parties": parties,
        "visibility": "shared",
        "provider": "acme",
    }
    assert incident_metadata("partners", parties, "initech", "acme") == {
        "parties": ["acme", "northwind"],
        "visibility": "restricted",
        "provider": "acme",
    }
    assert incident_metadata("provider", parties, "initech", "acme") == {
        "parties": ["acme"],
        "visibility": "internal",
        "actor_party": "acme",
        "provider": "acme",
    }


def test_whose_knowledge_base_and_which_audiences() -> None:
    web = legacy_supplies(DIRECTORY)

    def draft_for(party: str, asked: str | None = None, supplies: list[Supply] = web) -> str:
        kind = DIRECTORY.get(party, {}).get("kind", "partner")
        return knowledge_base_for(party, kind, asked, DIRECTORY, supplies)

    assert draft_for("acme") == "acme" == draft_for("acme", "acme")
    assert draft_for("northwind") == "acme" == draft_for("northwind", "acme")
    # A partner of several vendors names one it buys from.
    both = [*web, Supply("other-provider", "northwind", frozenset({"firewalls"}))]
    directory = {**DIRECTORY, "other-provider": {"kind": "provider"}}
    assert knowledge_base_for("northwind", "partner", "other-provider", directory, both) == (
        "other-provider"
    )
    for party, asked, supplies, refusal in (
        ("northwind", None, both, (422, "provider-required")),
        ("northwind", "contoso", both, (422, "not-your-provider")),  # a partner, not a provider
        ("northwind", "other-provider", web, (422, "not-your-provider")),
        ("acme", "other-provider", web, (422, "not-your-provider")),
        ("nobody", None, web, (403, "forbidden")),
    ):
        with pytest.raises(DomainError) as refused:
            knowledge_base_for(
                party, "provider" if party == "acme" else "partner", asked, directory, supplies
            )
        assert (refused.value.status, refused.value.kind) == refusal, (party, asked)
    assert audiences_for("provider") == ("provider", "partners", "public")
    assert audiences_for("partner") == ("partners", "public")
    assert audiences_for("customer") == ("public",)


def test_queries_are_words_only_and_cursors_are_bound_to_their_query() -> None:
    assert or_query("VPN tunnel's down! (again) & | :*") == "vpn | tunnel | s | down | again"
    assert or_query("!!! ...") == ""
    cursor = CURSOR.encode(20, query="vpn")
    assert CURSOR.decode(cursor, query="vpn") == 20
    for bad, query in [
        (cursor, "other"),
        ("not base64 json", "vpn"),
        (CURSOR.encode(20), "vpn"),
        (CURSOR.encode(MAX_OFFSET + 1, query="vpn"), "vpn"),
    ]:
        with pytest.raises(Problem) as refused:
            CURSOR.decode(bad, query=query)
        assert (refused.value.status, refused.value.kind) == (400, "invalid-cursor")


def test_every_article_event_the_domain_makes_matches_its_schema() -> None:
    import schema_check as sc

    seen = set()
    state = None
    commands = [
        (a.Draft("0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a41", content(), "acme"), NW),
        (a.Submit(), NW),
        (a.Reject("why"), REVIEWER),
        (a.Revise(content(title="v2")), NW),
        (a.Submit(), NW),
        (a.Publish(), REVIEWER),
        (a.Retire(None), NW),
    ]
    for command, actor in commands:
        for event in decide(state, command, actor):
            sc.validate_event_data(event.type, event.to_data())
            seen.add(event.NAME)
            state = evolve(state, event)
    proposed = decide(
        None,
        a.ProposeFromIncident(
            "0b6c7a38-3f4e-4c3b-9a2e-1e5f0d7c9a42", content(), "acme", "northwind", "i-1", "fix"
        ),
        NW,
    )
    sc.validate_event_data(proposed[0].type, proposed[0].to_data())
    assert seen | {"draft_proposed"} == {
        "article_drafted",
        "article_submitted",
        "article_rejected",
        "article_revised",
        "article_published",
        "article_retired",
        "draft_proposed",
    }
    assert {t for t in sc.all_event_schemas() if t.startswith("village.knowledge.")} >= {
        f"village.knowledge.{n}.v1" for n in seen
    }
