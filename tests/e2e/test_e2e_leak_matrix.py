"""THE leak matrix: every party x every kind of thing x every channel, against a full village
(six services, real PostgreSQL and broker, real webhook receivers), one table.

A cell is `visible` (the thing's text reaches the party there), `redacted` (only its bare fact:
its id without its text) or `absent` (neither). For a note edited later, `redacted` on the
incident view means its id with the text of today, not of then; for a contract, its id alone is
how its clocks show (queues, clock events). The table lists the visible and redacted cells;
every other cell of every thing on every channel must be absent. A thing's test names each of
its failing cells `party / thing / channel`. The parties: acme (provider), northwind and
contoso (competing partners), initech (northwind's customer), umbrella (contoso's); contoso is
also the collaborator northwind invited on incident A and then revoked, and the one it invited
on B; on both, northwind let contoso invite others and contoso brought in fabrikam (a hop below
its own: on A revoked with contoso's).
Each provider's tooling is a pseudo-party with one channel, its own topics (`acme topics`:
village.acme.*, `globex topics`: village.globex.*). The batch of commands (`incident commands`,
the village's services' own route) is a channel too: every party is refused there, so every cell
of it is absent. New channels and things join the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from e2e_support import Api
from leak_world import (
    PARTIES,
    WORDS,
    World,
    commanded,
    console_browser,
    console_pages,
    entries,
    feed,
    live_checked,
    mark,
    note,
    ok,
    pages,
    read,
    resolved_outage,
    topic_text,
    war_room_stream,
    work_live,
)

from village_devstack.waiting import eventually
from village_devstack.webhook_receiver import Receiver, ReceiverServer

V, R = "visible", "redacted"
# Each provider's tooling channel: its own topics, village.<provider>.* (a pseudo-party each).
TOOLING = {"acme": "acme topics", "globex": "globex topics"}
ACME_T, GLOBEX_T = TOOLING.values()
CHANNELS = (
    "incident",
    "notes",
    "incident list",
    "timeline",
    "incidents feed",
    "sla view",
    "contracts",
    "sla feed",
    "escalation path",
    "escalation setup",
    "queues",
    "escalation feed",
    "articles",
    "search",
    "suggestions",
    "links",
    "knowledge feed",
    "endpoints",
    "deliveries",
    "webhooks feed",
    "webhook",
    "directory",
    "supplies",
    "provenance",
    "outages",
    "console",
    "confirmations",
    "incident commands",
)
CONTRACTS = {
    "initech-northwind": "Initech managed network (24x7)",
    "northwind-acme": "Acme partner support for Northwind (24x7)",
    "umbrella-contoso": "Umbrella firewall service (business hours)",
    "contoso-acme": "Acme partner support for Contoso (business hours)",
    "northwind-globex": "Globex partner support for Northwind (24x7)",
}


# The console's pages (my work, contracts, every war room and outage page) as a party's browser
# gets them: a channel that joins the others, so it may show no thing more than they do. So do
# the war room's live sections (`/live-part`, what an open page swaps in), its live stream
# (`/live`, server-sent events naming the timeline's new entries, replayed from the start) and
# My work's live stream (`/work/live`, which only says `changed`).
CONSOLE = "console pages"
LIVE_PART = "war room live part"
LIVE = "war room live stream"
WORK_LIVE = "my work live stream"
CONSOLE_CHANNELS = (CONSOLE, LIVE_PART, LIVE, WORK_LIVE)


def cells(
    parties: str | tuple[str, ...], channels: tuple[str, ...], state: str = V
) -> dict[tuple[str, str], str]:
    named = (parties,) if isinstance(parties, str) else parties
    return {(p, c): state for p in named for c in channels}


ON_A = ("acme", "northwind", "initech")  # contoso was invited, then revoked
# Everyone acme's products reach (globex reads only its own knowledge base).
ACME_WEB = tuple(p for p in PARTIES if p != "globex")
ON_D = ("globex", "northwind", "initech")  # a globex firewall incident: acme never learns of it
ON_E = ("litware", "fabrikam", "northwind", "acme")  # the four-party chain
WORKING_A = ("acme", "northwind")
ON_C = ("acme", "contoso", "umbrella")
# acme's partners, the parties it supplies directly (fabrikam buys through northwind): with acme,
# the audience of acme's outage.
ACME_OUTAGE = ("acme", "northwind", "contoso")
INCIDENT_CHANNELS = ("incident", "notes", "timeline", "incidents feed", "webhook")
NOTE = INCIDENT_CHANNELS
# What contoso saw while it was on A: the events of that time (feed, its webhook), not the incident.
WHILE_INVITED = ("incidents feed", "webhook")
# Where a hop of the provenance shows: its events (timeline, feed, webhook) and the provenance.
HOP = ("timeline", "incidents feed", "webhook", "provenance")

EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    # ---------------------------------------------------------------- incidents and notes
    "incident A (northwind for initech)": {
        **cells(ON_A, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(WORKING_A, ("queues",)),
        (ACME_T, ""): V,
    },
    "A: northwind's internal note": {
        **cells("northwind", ("incident", "notes", "timeline", "incidents feed")),
        ("northwind", "webhook"): R,
        (ACME_T, ""): R,
    },
    "A: northwind's restricted note, written before contoso was invited": {
        **cells(WORKING_A, NOTE),
        **cells(WORKING_A, ("incident", "notes"), R),
        (ACME_T, ""): V,
    },
    "A: that note as edited while contoso was invited": {**cells(WORKING_A, NOTE), (ACME_T, ""): V},
    "A: northwind's shared note": {**cells(ON_A, NOTE), (ACME_T, ""): V},
    "A: acme's internal note": {**cells("acme", NOTE), (ACME_T, ""): V},
    "A: contoso's restricted note while invited": {
        **cells(WORKING_A, NOTE),
        **cells("contoso", WHILE_INVITED),
        (ACME_T, ""): V,
    },
    "A: northwind's restricted note after contoso was revoked": {
        **cells(WORKING_A, NOTE),
        (ACME_T, ""): V,
    },
    # Swarming: a hop (its reason is the marker, its id the fact) is for the chain's working
    # parties and those who answer for it (its own and those above it), never the customer. The
    # hop below knows its parent's id only (its invitation's parent_hop, its revocation's
    # cascade_of), not why contoso was invited.
    "A: contoso's hop (northwind let it invite others)": {
        **cells(WORKING_A, HOP),
        **cells("contoso", WHILE_INVITED),
        **cells("fabrikam", WHILE_INVITED, R),
        (ACME_T, ""): V,
    },
    "A: fabrikam's hop (contoso invited it)": {
        **cells(WORKING_A, HOP),
        **cells(("contoso", "fabrikam"), WHILE_INVITED),
        (ACME_T, ""): V,
    },
    "A: fabrikam's restricted note while invited below contoso": {
        **cells(WORKING_A, NOTE),
        **cells(("contoso", "fabrikam"), WHILE_INVITED),
        (ACME_T, ""): V,
    },
    "incident B (contoso invited, and fabrikam by contoso)": {
        **cells(ON_A, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(("contoso", "fabrikam"), ("incident", "incident list")),
        **cells(WORKING_A, ("queues",)),
        (ACME_T, ""): V,
    },
    "B: contoso's hop (northwind let it invite others)": {
        **cells((*WORKING_A, "contoso"), HOP),
        **cells("fabrikam", HOP, R),
        (ACME_T, ""): V,
    },
    "B: fabrikam's hop (contoso invited it)": {
        **cells((*WORKING_A, "contoso", "fabrikam"), HOP),
        (ACME_T, ""): V,
    },
    "B: northwind's restricted note, written before contoso was invited": {
        **cells(WORKING_A, NOTE),
        **cells(WORKING_A, ("incident", "notes"), R),
        (ACME_T, ""): V,
    },
    "B: that note as edited after contoso was invited": {**cells(WORKING_A, NOTE), (ACME_T, ""): V},
    "B: northwind's restricted note after contoso was invited": {
        **cells((*WORKING_A, "contoso"), NOTE),
        (ACME_T, ""): V,
    },
    "incident C (contoso for umbrella)": {
        **cells(ON_C, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        ("acme", "queues"): V,
        (ACME_T, ""): V,
    },
    "C: contoso's internal note": {
        **cells("contoso", ("incident", "notes", "timeline", "incidents feed")),
        ("contoso", "webhook"): R,
        (ACME_T, ""): R,
    },
    "C: contoso's shared note": {**cells(ON_C, NOTE), (ACME_T, ""): V},
    # ---------------------------------------------------------------- contracts
    # Contract events predate the webhook endpoints: no deliveries of them; the clocks of each
    # incident the contract covers show its id (SLA view, queues, clock events) to its parties.
    # A partner's contract with its customer is on no provider's topics (the bare facts of its
    # clocks there carry the incident's id alone); an underpinning one is on its provider's.
    "contract initech-northwind (customer-facing)": {
        **cells(("initech", "northwind"), ("contracts", "sla feed")),
        **cells(("initech", "northwind"), ("sla view",)),
        **cells(("initech", "northwind"), ("webhook",), R),
        ("northwind", "queues"): R,
    },
    # Incident E was handed to acme: its last link's clocks show this contract's id.
    "contract northwind-acme (underpinning)": {
        **cells(("northwind", "acme"), ("contracts", "sla feed", "sla view")),
        **cells(("northwind", "acme"), ("webhook",), R),
        ("acme", "queues"): R,
        (ACME_T, ""): V,
    },
    "contract umbrella-contoso (customer-facing)": {
        **cells(("umbrella", "contoso"), ("contracts", "sla feed")),
        **cells(("umbrella", "contoso"), ("sla view",)),
        **cells(("umbrella", "contoso"), ("webhook",), R),
    },
    "contract contoso-acme (underpinning)": {
        **cells(("contoso", "acme"), ("contracts", "sla feed")),
        **cells(("contoso", "acme"), ("sla view",)),
        **cells(("contoso", "acme"), ("webhook",), R),
        ("acme", "queues"): R,
        (ACME_T, ""): V,
    },
    # The other provider's terms with a partner both share: never on acme's topics.
    "contract northwind-globex (underpinning)": {
        **cells(("northwind", "globex"), ("contracts", "sla feed")),
        (GLOBEX_T, ""): V,
    },
    # ---------------------------------------------------------------- knowledge
    "article: acme's, for its staff only": {
        **cells("acme", ("articles", "search", "suggestions", "knowledge feed", "webhook")),
        (ACME_T, ""): V,
    },
    # fabrikam buys acme's cloud (through northwind): one of acme's partners.
    "article: acme's, for partners": {
        **cells(
            ("acme", "northwind", "contoso", "fabrikam"),
            ("articles", "search", "knowledge feed", "suggestions", "webhook"),
        ),
        (ACME_T, ""): V,
    },
    "article: acme's, public": {
        **cells(ACME_WEB, ("articles", "search", "knowledge feed", "suggestions", "webhook")),
        **cells(ON_A, ("links",)),
        (ACME_T, ""): V,
    },
    # Public until it was retired: its publication reached everyone then.
    "article: acme's, public, retired": {
        ("acme", "articles"): V,
        **cells(ACME_WEB, ("knowledge feed", "webhook")),
        (ACME_T, ""): V,
    },
    "article: northwind's draft": {
        **cells(("northwind", "acme"), ("articles", "knowledge feed", "webhook")),
        (ACME_T, ""): V,
    },
    "article: contoso's draft": {
        **cells(("contoso", "acme"), ("articles", "knowledge feed", "webhook")),
        (ACME_T, ""): V,
    },
    # ---------------------------------------------------------------- the party directory
    # Nobody learns another partner's customers, nor a competitor's existence from it. A party's
    # registration (an event on the directory's stream) is for the party and the provider and
    # partner it names: the demo's, seeded before any endpoint existed, reach their feeds only.
    "directory entry of contoso's customer umbrella": {
        **cells((*ON_C, "globex"), ("directory",)),
        **cells(("umbrella", "contoso"), ("incidents feed",)),
    },
    "directory entry of partner northwind": {
        **cells((*ON_A, "globex", "fabrikam"), ("directory",)),
        **cells(("northwind", "acme"), ("incidents feed",)),
    },
    # Registered by acme's admins: for the new customer and contoso, its partner (not acme, nor
    # umbrella, contoso's other customer); in the directory of the providers it buys from
    # through contoso. It names no provider: on no provider's topics.
    "party registration: contoso's new customer": {
        **cells(("acme", "contoso", "globex"), ("directory",)),
        **cells("contoso", ("incidents feed", "webhook")),
        ("contoso", "supplies"): R,
    },
    # ---------------------------------------------------------------- the value web
    # Each provider's tooling reads its own topics (village.<provider>.*): D is globex's alone.
    "incident D (northwind for initech, globex firewalls)": {
        **cells(ON_D, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(("northwind", "globex"), ("queues",)),  # northwind's L1, globex's incident
        (GLOBEX_T, ""): V,
    },
    "D: northwind's restricted note (for globex)": {
        **cells(("northwind", "globex"), NOTE),
        (GLOBEX_T, ""): V,
    },
    "incident E (fabrikam for litware: litware, fabrikam, northwind, acme)": {
        **cells(ON_E, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        ("acme", "queues"): V,  # routed to TAC L2: fabrikam is not certified for acme's cloud
        (ACME_T, ""): V,
    },
    # Its provider may not see it: sealed in the incidents service, so webhooks deliver its
    # fact (as for an internal note) and acme's topics carry the fact.
    "E: fabrikam's restricted note (for its link to northwind)": {
        **cells(("fabrikam", "northwind"), NOTE),
        **cells(("fabrikam", "northwind"), ("webhook",), R),
        (ACME_T, ""): R,
    },
    # Parts: northwind hands globex's firewall, part of initech's router outage F, to globex.
    # Each vendor sees its own: acme never learns of the part, globex never sees the parent
    # (it learns only its id, as the part's parent_id: see the tests at the end).
    "incident F (initech's router outage, with a part for globex)": {
        **cells(ON_A, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(WORKING_A, ("queues",)),
        (ACME_T, ""): V,
    },
    "F's part for globex (globex firewalls)": {
        **cells(ON_D, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(("northwind", "globex"), ("queues",)),  # northwind's L1, globex's part
        (GLOBEX_T, ""): V,
    },
    # A supply is its supplier's and its buyer's business: no provider's tooling channel, no
    # competitor, carries it (it names no provider: on no provider's topics).
    "supply contoso -> umbrella of a product by name": {
        **cells(("contoso", "umbrella"), ("supplies", "incidents feed", "webhook")),
    },
    # Each vendor's own profile of the partner it supplies: that vendor and the partner alone
    # (a delivery names the profile's stream, not its text).
    **{
        f"profile: {vendor}'s of northwind": {
            **cells((vendor, "northwind"), ("escalation setup", "escalation feed", "webhook")),
            **cells((vendor, "northwind"), ("deliveries",), R),
            (TOOLING[vendor], ""): V,
        }
        for vendor in ("acme", "globex")
    },
    # ---------------------------------------------------------------- provider outages
    # acme declares an outage: for acme and its partners, never a customer, globex, nor fabrikam.
    # northwind links its incident G: everyone on G, initech too, learns that G is part of the
    # outage (its id and title, on G's outage_linked), nothing else of it; contoso learns only how
    # many incidents it does not work are linked (see the test at the end), never which.
    "acme's outage: its description (the declaration)": {
        **cells(ACME_OUTAGE, ("outages", "incidents feed", "webhook")),
        **cells(ACME_OUTAGE, ("deliveries",), R),  # subject provider-incident:<id>
        **cells(WORKING_A, ("incident", "incident list", "timeline"), R),  # G's outage_id
        # G, linked, is held by acme for the outage: its path and clocks name the outage's queue
        **cells(("acme", "northwind"), ("escalation path",), R),
        **cells(("acme", "northwind", "initech"), ("sla view",), R),
        ("acme", "queues"): R,
        **cells(
            "initech", ("incident", "incident list", "timeline", "incidents feed", "webhook"), R
        ),
        (ACME_T, ""): V,
    },
    "acme's outage: its title (the declaration, and G's outage_linked)": {
        **cells(ACME_OUTAGE, ("outages", "incidents feed", "webhook")),
        **cells(ON_A, ("timeline", "incidents feed", "webhook")),
        (ACME_T, ""): V,
    },
    # acme's outage's swarm: acme invited northwind (allowed to invite), northwind contoso below.
    # A hop (its reason the marker, its id the fact) is for acme and the parties that answer for
    # it; contoso knows northwind's hop by its id alone (its own hop's parent_hop), not why.
    "acme's outage: northwind's swarm hop (acme let it invite)": {
        **cells(WORKING_A, ("outages", "incidents feed", "webhook")),
        **cells("contoso", ("outages", "incidents feed", "webhook"), R),
        (ACME_T, ""): V,
    },
    "acme's outage: contoso's swarm hop (northwind invited it)": {
        **cells(ACME_OUTAGE, ("outages", "incidents feed", "webhook")),
        (ACME_T, ""): V,
    },
    "incident G (northwind's, linked to acme's outage)": {
        **cells(ON_A, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(WORKING_A, ("outages",)),  # the link: acme's and northwind's alone
        ("acme", "queues"): V,  # in acme's queue for the outage, off northwind's ladder
        (ACME_T, ""): V,
    },
    # acme's updates: `update_posted` (and the updates view) for acme and its partners; each
    # linked incident (G) gets the update as acme's note: restricted for the partners, shared
    # (its customer too) for the customers.
    "acme's outage: an update for the partners": {
        **cells(ACME_OUTAGE, ("outages", "incidents feed", "webhook")),
        **cells(WORKING_A, NOTE),
        (ACME_T, ""): V,
    },
    "acme's outage: an update for the customers": {
        **cells(ACME_OUTAGE, ("outages", "incidents feed", "webhook")),
        **cells(ON_A, NOTE),
        (ACME_T, ""): V,
    },
    # acme's second outage, resolved (leak_world.resolved_outage): H (northwind's, initech's)
    # and J (contoso's, umbrella's) linked; the fan-out resolved both as acme and asked each
    # requester, in a shared note, to confirm; initech confirmed H, umbrella was reminded.
    # acme resolved H and J (through the fan-out): the knowledge service proposes a draft from
    # each resolution (its title and notes) to the resolving party, acme, alone.
    "incident H (its outage resolved, confirmed)": {
        **cells(ON_A, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(WORKING_A, ("outages",)),  # the link: acme's and northwind's alone
        **cells("acme", ("articles", "knowledge feed")),  # acme's draft
        (ACME_T, ""): V,
    },
    "incident J (its outage resolved, waiting)": {
        **cells(ON_C, ("incident", "incident list", "timeline", "incidents feed", "webhook")),
        **cells(("acme", "contoso"), ("outages",)),
        **cells("acme", ("articles", "knowledge feed")),
        (ACME_T, ""): V,
    },
    # The resolution: on the outage (`resolved`: acme and its partners) and on each linked
    # incident (its `resolved`, and the request to confirm: everyone on it, its customer too).
    "acme's resolved outage: its resolution notes": {
        **cells(ACME_OUTAGE, ("incidents feed", "webhook")),
        **cells((*ON_A, *ON_C), NOTE),
        **cells("acme", ("articles", "knowledge feed")),
        (ACME_T, ""): V,
    },
    "H: acme's request to confirm": {**cells(ON_A, NOTE), (ACME_T, ""): V},
    "J: acme's request to confirm": {**cells(ON_C, NOTE), (ACME_T, ""): V},
    "J: acme's reminder to confirm": {**cells(ON_C, NOTE), (ACME_T, ""): V},
    # GET .../confirmations: acme the counts per partner; each partner its own counts and its
    # own incidents' answers; customers, globex and fabrikam nothing (404).
    "acme's resolved outage: northwind's confirmation counts": cells(
        ("acme", "northwind"), ("confirmations",)
    ),
    "acme's resolved outage: contoso's confirmation counts": cells(
        ("acme", "contoso"), ("confirmations",)
    ),
    "H's answer (confirmed), as a partner's own": cells("northwind", ("confirmations",)),
    "J's answer (waiting), as a partner's own": cells("contoso", ("confirmations",)),
    # ---------------------------------------------------------------- webhooks
    **{f"webhook endpoint of {p}": cells(p, ("endpoints",)) for p in PARTIES},
    # A delivery about an incident its owner works, and so the outcomes of its attempts
    # (village.webhooks.v1): the owner's alone, on the webhooks feed and its console timeline;
    # on a provider's own topic when it is the provider's endpoint.
    **{
        f"deliveries to {p}": {
            **cells(p, ("deliveries", "webhooks feed", "console")),
            **({(TOOLING[p], ""): V} if p in TOOLING else {}),
        }
        for p in PARTIES
    },
}

# What the escalation service decided for each incident: its decisions, known to the owning
# partner and the provider (the incident's escalated events carry the decision too).
ESCALATION_CELLS = {
    "escalation path of A": {
        **cells(
            WORKING_A,
            ("escalation path", "escalation feed", "webhook", "deliveries", "incidents feed"),
        ),
        (ACME_T, ""): V,
    },
    "escalation path of C": {
        **cells(
            ("acme", "contoso"),
            (
                "escalation path",
                "escalation feed",
                "webhook",
                "deliveries",
                "incidents feed",
                "timeline",
            ),
        ),
        (ACME_T, ""): V,
    },
}
EXPECTED.update(ESCALATION_CELLS)

# The console's timeline (GET /incidents/{id}/timeline on the console) joins every service's
# events about an incident, each as the egress rule lets the party see it, and an incident the
# party is not on is 404 there as on the incidents service: for the incidents' own things it
# shows what the incidents service's timeline shows, with two differences by design. A note
# sealed in the incidents service (a partner's internal note, a note its provider may not see)
# reaches the console, a service, as its bare fact, so its author's party reads it there as
# webhooks deliver it: redacted. And the other services' entries: suggestions (the articles'
# titles), escalation decisions (their ids), SLA clocks (their contract's id).
for _table in EXPECTED.values():
    for (_party, _channel), _state in list(_table.items()):
        if _channel == "timeline":
            _table[(_party, "console")] = _state
CONSOLE_CELLS: dict[str, dict[tuple[str, str], str]] = {
    "A: northwind's internal note": {("northwind", "console"): R},
    "C: contoso's internal note": {("contoso", "console"): R},
    "E: fabrikam's restricted note (for its link to northwind)": cells(
        ("fabrikam", "northwind"), ("console",), R
    ),
    "escalation path of A": cells(WORKING_A, ("console",)),
    "escalation path of C": cells(("acme", "contoso"), ("console",)),
    **{
        thing: {cell: state for cell, state in EXPECTED[thing].items() if cell[1] == "suggestions"}
        for thing in EXPECTED
        if thing.startswith("article: ")
    },
    # Each clock of an incident the contract covers names it, for the contract's two parties.
    **{
        f"contract {cid} ({kind})": cells(tuple(cid.split("-")), ("console",), R)
        for cid, kind in (
            ("initech-northwind", "customer-facing"),
            ("northwind-acme", "underpinning"),
            ("umbrella-contoso", "customer-facing"),
            ("contoso-acme", "underpinning"),
        )
    },
}
for _thing, _cells in CONSOLE_CELLS.items():
    EXPECTED[_thing].update({(p, "console"): state for (p, _c), state in _cells.items()})
# The webhooks feed (GET /events on the webhooks service: delivery outcomes, the owner's alone)
# names what each outcome's delivery was about as the delivery list does, by the delivered
# event's id and subject, never its text: it shows a thing as the party's deliveries show it.
for _thing, _table in EXPECTED.items():
    if not _thing.startswith("deliveries to "):
        for (_party, _channel), _state in list(_table.items()):
            if _channel == "deliveries":
                _table[(_party, "webhooks feed")] = _state
# The incident each party's sample delivery is about: one the party works to the end.
DELIVERED_ABOUT = {
    "acme": "A",
    "northwind": "A",
    "initech": "A",
    "contoso": "C",
    "umbrella": "C",
    "globex": "D",
    "fabrikam": "E",
    "litware": "E",
}
QUEUES = {
    "acme": ("TAC L1", "TAC L2", "Engineering L3"),
    "northwind": ("L1", "L2"),
    "contoso": ("L1",),
}


async def build(village: Any, tokens: Any, stack: Any, stop: contextlib.AsyncExitStack) -> World:
    w = World()
    incidents, sla, escalation, knowledge, console = (
        Api(s.url, tokens)
        for s in (
            village.incidents,
            village.sla,
            village.escalation,
            village.knowledge,
            village.console,
        )
    )
    hooks = Api(village.webhooks.url, tokens, forgets="/endpoints")  # the receivers stop with us
    for api in (incidents, sla, escalation, knowledge, hooks, console):
        stop.push_async_callback(api.aclose)

    # Every party listens on its own receiver, from the start, to everything.
    for party in PARTIES:
        receiver = w.receivers[party] = Receiver()
        url = await stop.enter_async_context(ReceiverServer(receiver))
        endpoint = await ok(
            hooks(party, "admin").post("/endpoints", json={"url": url, "event_types": ["*"]})
        )
        receiver.secrets.append(endpoint["secret"])
        w.endpoints[party] = endpoint["id"]
        w.add(f"webhook endpoint of {party}", url)

    # Each vendor's profile of northwind, a new version (its level the marker; what it is
    # certified for, and so the routing of the incidents below, as the demo's).
    for vendor, certified in (("acme", "routers"), ("globex", "globex-firewalls")):
        level = mark("level")
        profile = {"level": level, "specialisations": [certified]}
        await ok(escalation(vendor, "admin").put("/parties/northwind/profile", json=profile))
        w.add(f"profile: {vendor}'s of northwind", level, f"config:northwind:profile:{vendor}")

    # Articles of each audience and state, all about the incidents' words.
    async def article(
        author: str, key: str, audience: str, *, publish: bool = True, retire: bool = False
    ) -> None:
        marker = mark("art")
        body = {
            "title": f"{WORDS} {marker}",
            "body": "Cool the gizmo.",
            "audience": audience,
            "products": ["routers"],
            "tags": ["quokka"],
            "symptoms": [WORDS],
            "provider": "acme",  # northwind and contoso sell globex's products too
        }
        created = await ok(knowledge(author).post("/articles", json=body))
        w.articles[key] = created["id"]
        w.add(key, marker)
        if publish:
            await ok(knowledge(author).post(f"/articles/{created['id']}/submit"))
            await ok(knowledge("acme", "reviewer").post(f"/articles/{created['id']}/publish"))
        if retire:
            await ok(
                knowledge("acme", "reviewer").post(
                    f"/articles/{created['id']}/retire", json={"reason": "old"}
                )
            )

    await article("acme", "article: acme's, for its staff only", "provider")
    await article("acme", "article: acme's, for partners", "partners")
    await article("acme", "article: acme's, public", "public")
    await article("acme", "article: acme's, public, retired", "public", retire=True)
    await article("northwind", "article: northwind's draft", "partners", publish=False)
    await article("contoso", "article: contoso's draft", "partners", publish=False)

    async def incident(
        key: str, owner: str, customer: str, name: str, product: str = "routers"
    ) -> str:
        marker = mark("inc")
        body = {
            "title": f"{WORDS} {marker}",
            "description": "The gizmo overheats.",
            "severity": "S1",
            "product": product,
            "customer": customer,
        }
        iid = (await ok(incidents(owner).post("/incidents", json=body)))["id"]
        w.incidents[key] = iid
        w.titles[iid] = marker
        w.add(name, marker)
        return iid

    async def noted(key: str, client: Any, iid: str, visibility: str) -> str:
        marker = mark("note")
        note_id = await note(client, iid, marker, visibility)
        w.add(key, marker, note_id)
        return note_id

    async def hop(key: str, client: Any, iid: str, partner: str, may_invite: bool = False) -> None:
        """`client`'s party invites `partner`, saying why (the marker); the hop's id is its fact."""
        marker = mark("hop")
        body = {"partner": partner, "may_invite": may_invite, "reason": marker}
        await ok(client.post(f"/incidents/{iid}/collaborators", json=body))
        trees = (await ok(nw.get(f"/incidents/{iid}/provenance")))["hops"]
        hops = {}
        while trees:
            h = trees.pop()
            hops[h["reason"]] = h["hop_id"]
            trees += h["below"]
        w.add(key, marker, hops[marker])

    nw, contoso, acme = incidents("northwind"), incidents("contoso"), incidents("acme")
    a = await incident("A", "northwind", "initech", "incident A (northwind for initech)")
    await noted("A: northwind's internal note", nw, a, "internal")
    before = await noted(
        "A: northwind's restricted note, written before contoso was invited", nw, a, "restricted"
    )
    await noted("A: northwind's shared note", nw, a, "shared")
    await noted("A: acme's internal note", acme, a, "internal")
    # Routed before contoso joins: what the escalation service decides then is not contoso's.
    await eventually(
        lambda: ok(nw.get(f"/incidents/{a}")),
        lambda view: view.get("assignment"),
        what="incident A to be routed",
    )
    await hop("A: contoso's hop (northwind let it invite others)", nw, a, "contoso", True)
    await noted("A: contoso's restricted note while invited", contoso, a, "restricted")
    edit = mark("edit")
    await ok(nw.patch(f"/incidents/{a}/notes/{before}", json={"body": edit}))
    w.add("A: that note as edited while contoso was invited", edit)
    await hop("A: fabrikam's hop (contoso invited it)", contoso, a, "fabrikam")
    fabrikam = incidents("fabrikam")
    await noted(
        "A: fabrikam's restricted note while invited below contoso", fabrikam, a, "restricted"
    )
    # Revoking contoso's hop revokes fabrikam's with it.
    await ok(nw.post(f"/incidents/{a}/collaborators/contoso/revoke", json={"reason": "done"}))
    await noted("A: northwind's restricted note after contoso was revoked", nw, a, "restricted")
    link = {"article_id": w.articles["article: acme's, public"]}
    await eventually(
        lambda: knowledge("northwind").post(f"/incidents/{a}/links", json=link),
        lambda r: r.status_code in (200, 201),
        what="knowledge to know incident A",
    )

    b = await incident(
        "B", "northwind", "initech", "incident B (contoso invited, and fabrikam by contoso)"
    )
    before = await noted(
        "B: northwind's restricted note, written before contoso was invited", nw, b, "restricted"
    )
    await hop("B: contoso's hop (northwind let it invite others)", nw, b, "contoso", True)
    edit = mark("edit")
    await ok(nw.patch(f"/incidents/{b}/notes/{before}", json={"body": edit}))
    w.add("B: that note as edited after contoso was invited", edit)
    await noted("B: northwind's restricted note after contoso was invited", nw, b, "restricted")
    await hop("B: fabrikam's hop (contoso invited it)", contoso, b, "fabrikam")

    c = await incident("C", "contoso", "umbrella", "incident C (contoso for umbrella)")
    d = await incident(
        "D",
        "northwind",
        "initech",
        "incident D (northwind for initech, globex firewalls)",
        product="globex-firewalls",
    )
    await noted("D: northwind's restricted note (for globex)", nw, d, "restricted")
    e = await incident(
        "E",
        "fabrikam",
        "litware",
        "incident E (fabrikam for litware: litware, fabrikam, northwind, acme)",
        product="acme-cloud",
    )
    await noted(
        "E: fabrikam's restricted note (for its link to northwind)",
        incidents("fabrikam"),
        e,
        "restricted",
    )
    f = await incident(
        "F", "northwind", "initech", "incident F (initech's router outage, with a part for globex)"
    )
    part_marker = mark("part")
    part = {"product": "globex-firewalls", "title": f"{WORDS} {part_marker}"}
    w.incidents["F's part"] = (await ok(nw.post(f"/incidents/{f}/parts", json=part), 201))["id"]
    w.add("F's part for globex (globex firewalls)", part_marker)
    await noted("C: contoso's internal note", contoso, c, "internal")
    await noted("C: contoso's shared note", contoso, c, "shared")

    told, said = mark("outage"), mark("said")
    outage = {
        "title": f"Router firmware {told}",
        "description": f"Tunnels drop {said}",
        "products": ["routers"],
        "severity": "S1",
    }
    oid = (await ok(acme.post("/provider-incidents", json=outage), 201))["id"]
    w.outages["acme's outage"] = oid
    w.add("acme's outage: its description (the declaration)", said, oid)
    w.add("acme's outage: its title (the declaration, and G's outage_linked)", told)
    g = await incident(
        "G", "northwind", "initech", "incident G (northwind's, linked to acme's outage)"
    )
    await ok(nw.post(f"/provider-incidents/{oid}/links", json={"incident_id": g}))
    above, below = mark("swarm"), mark("swarm")
    invite = {"partner": "northwind", "certification": "routers", "reason": above}
    swarm = f"/provider-incidents/{oid}/swarm"
    view = await ok(acme.post(swarm, json={**invite, "may_invite": True}), 201)
    above_id = view["hops"][0]["hop_id"]
    invite = {"partner": "contoso", "certification": "routers", "reason": below}
    view = await ok(nw.post(swarm, json=invite), 201)
    below_id = view["hops"][0]["below"][0]["hop_id"]
    w.add("acme's outage: northwind's swarm hop (acme let it invite)", above, above_id)
    w.add("acme's outage: contoso's swarm hop (northwind invited it)", below, below_id)
    updates = {}
    for audience in ("partners", "customers"):
        updates[audience] = mark(audience)
        update = {"body": f"acme says {updates[audience]}", "audience": audience}
        await ok(acme.post(f"/provider-incidents/{oid}/updates", json=update), 201)
        w.add(f"acme's outage: an update for the {audience}", updates[audience])
    resolution_settled = await resolved_outage(w, incidents, incident)

    product = mark("product")
    supply = {"supplier": "contoso", "buyer": "umbrella", "products": [product]}
    await ok(incidents("contoso", "admin").post("/supplies", json=supply), 201)
    w.add("supply contoso -> umbrella of a product by name", product)

    newcomer, called = mark("cust"), mark("customer")
    customer = {"id": newcomer, "kind": "customer", "name": called, "partner": "contoso"}
    await ok(incidents("acme", "admin").post("/parties", json=customer), 201)
    w.add("party registration: contoso's new customer", called, newcomer)

    w.add("directory entry of contoso's customer umbrella", "Umbrella Corporation")
    w.add("directory entry of partner northwind", "Northwind Traders")
    for contract_id, name in CONTRACTS.items():
        kind = "underpinning" if contract_id.endswith(("-acme", "-globex")) else "customer-facing"
        w.add(f"contract {contract_id} ({kind})", name, contract_id)

    async def settled() -> bool:
        """What the services do by themselves has happened: routing, suggestions, deliveries."""
        routed = (
            ("acme", a),
            ("acme", c),
            ("acme", f),
            ("globex", w.incidents["F's part"]),
            ("acme", w.incidents["G"]),
        )
        for reader, iid in routed:
            path = await ok(escalation(reader).get(f"/incidents/{iid}/escalations"), 200, 404)
            if not path.get("decisions"):
                return False
        noted = await ok(incidents("acme").get(f"/incidents/{w.incidents['G']}/notes"))
        if not all(u in str(noted) for u in updates.values()):  # the fan-out
            return False
        found = await ok(knowledge("acme").get(f"/incidents/{a}/suggestions"), 200, 404)
        if len(found.get("items", [])) < 3:
            return False
        return all(w.receivers[p].types(c) for p in ON_C) and all(
            w.receivers[p].types(a) for p in ON_A
        )

    await eventually(settled, timeout=90, what="the services to route, suggest and deliver")
    await resolution_settled(escalation)
    for party, endpoint_id in w.endpoints.items():  # a delivery of each endpoint: its owner's alone
        # About an incident its owner works now (its console timeline shows the outcomes).
        async def delivery(
            party: str = party,
            endpoint_id: str = endpoint_id,
            about: str = w.incidents[DELIVERED_ABOUT[party]],
        ) -> str | None:
            listed = await ok(
                hooks(party, "admin").get(
                    f"/endpoints/{endpoint_id}/deliveries", params={"limit": 200}
                )
            )
            found = next(
                (d["id"] for d in listed["items"] if d["subject"] == about and d["attempts"]), None
            )
            # Its outcome has reached the console (it consumes in its own time).
            shown = found and await pages(console(party), f"/incidents/{about}/timeline")
            return found if shown and found in shown else None

        w.add(
            f"deliveries to {party}",
            await eventually(delivery, timeout=60, what=f"a delivery to {party} on its console"),
        )
    for key, iid in (("escalation path of A", a), ("escalation path of C", c)):
        decisions = (await ok(escalation("acme").get(f"/incidents/{iid}/escalations")))["decisions"]
        w.add(key, decisions[0]["decision_id"])

    async def channels(party: str) -> dict[str, str]:
        inc, kb, esc, s, hk, con = (
            x(party, "admin") for x in (incidents, knowledge, escalation, sla, hooks, console)
        )
        ids = list(w.incidents.values())
        seen = {
            "incident": "\n".join(
                [await read(inc, f"/incidents/{i}") for i in ids]
                + [await pages(inc, f"/incidents/{i}/parts") for i in ids]
            ),
            "incident list": await read(inc, "/incidents", limit=100),
            "notes": "\n".join([await pages(inc, f"/incidents/{i}/notes") for i in ids]),
            "timeline": "\n".join([await pages(inc, f"/incidents/{i}/timeline") for i in ids]),
            "console": "\n".join([await pages(con, f"/incidents/{i}/timeline") for i in ids]),
            "incidents feed": await feed(inc),
            "sla view": "\n".join([await read(s, f"/incidents/{i}/sla") for i in ids]),
            "contracts": "\n".join(
                [await read(s, "/contracts")]
                + [await read(s, f"/contracts/{cid}") for cid in CONTRACTS]
            ),
            "sla feed": await feed(s),
            "escalation path": "\n".join(
                [await read(esc, f"/incidents/{i}/escalations") for i in ids]
            ),
            "escalation setup": "\n".join(
                [
                    await read(esc, f"/parties/{p}/{kind}")
                    for p in PARTIES
                    for kind in ("tiers", "rules", "profile", "profiles")
                ]
            ),
            "queues": "\n".join(
                [await read(esc, "/queues")]
                + [
                    await read(esc, f"/queues/{p}/{t}")
                    for p, tiers in QUEUES.items()
                    for t in tiers
                ]
                # acme's queue of each outage, as every party reads it (acme alone may: its
                # own; another provider or a partner is not told it exists, not even the tier)
                + [await read(esc, f"/queues/acme/outage:{o}") for o in w.outages.values()]
            ),
            "escalation feed": await feed(esc),
            "articles": "\n".join(
                [await read(kb, "/articles", limit=100)]
                + [await read(kb, f"/articles/{aid}") for aid in w.articles.values()]
            ),
            "search": await read(kb, "/search", q=WORDS, limit=50),
            "suggestions": "\n".join([await read(kb, f"/incidents/{i}/suggestions") for i in ids]),
            "links": "\n".join([await read(kb, f"/incidents/{i}/links") for i in ids]),
            "knowledge feed": await feed(kb),
            "endpoints": "\n".join(
                [await read(hk, "/endpoints")]
                + [await read(hk, f"/endpoints/{e}") for e in w.endpoints.values()]
            ),
            "deliveries": "\n".join(
                [
                    await read(hk, f"/endpoints/{e}/deliveries", limit=200)
                    for e in w.endpoints.values()
                ]
            ),
            "webhooks feed": await feed(hk),
            "webhook": "\n".join(str(e) for e in w.receivers[party].events()),
            "directory": await read(inc, "/parties"),
            "supplies": await read(inc, "/supplies"),
            "provenance": "\n".join([await read(inc, f"/incidents/{i}/provenance") for i in ids]),
            "outages": "\n".join(
                [await read(inc, "/provider-incidents", limit=200)]
                + [
                    text
                    for o in w.outages.values()
                    for text in (
                        await read(inc, f"/provider-incidents/{o}"),
                        await pages(inc, f"/provider-incidents/{o}/links"),
                        await read(inc, f"/provider-incidents/{o}/candidates", limit=100),
                        await read(inc, f"/provider-incidents/{o}/provenance"),
                        await read(inc, f"/provider-incidents/{o}/updates"),
                    )
                ]
            ),
            "incident commands": await commanded(inc, w.titles),
            "confirmations": "\n".join(
                [
                    await read(inc, f"/provider-incidents/{o}/confirmations")
                    for o in w.outages.values()
                ]
            ),
        }
        return seen

    def delivered() -> list[str]:
        """The webhook cells not yet as expected (deliveries of every topic arrive in their own
        time)."""
        late = []
        for party in PARTIES:
            w.seen[party] = {"webhook": "\n".join(str(e) for e in w.receivers[party].events())}
            late += [
                f"{party} / {t}"
                for t, table in EXPECTED.items()
                if table.get((party, "webhook"))
                and state_of(w, t, party, "webhook") != table[(party, "webhook")]
            ]
        return late

    with contextlib.suppress(AssertionError):  # what never arrives fails its own cells below
        await eventually(
            delivered, lambda late: not late, timeout=30, what="every expected delivery"
        )

    async def disagreeing() -> list[str]:
        """Where the console's incident entries differ from the incidents service's timeline
        (the console consumes in its own time: it catches up first)."""
        found = []
        for party in PARTIES:
            inc, con = incidents(party, "admin"), console(party, "admin")
            for key, iid in w.incidents.items():
                theirs = await entries(inc, f"/incidents/{iid}/timeline")
                ours = await entries(con, f"/incidents/{iid}/timeline")
                if theirs is None or ours is None:
                    if (theirs is None) != (ours is None):
                        found.append(f"{party} / {key}: 404 on one of them only")
                    continue
                mine = [(e["type"], e["at"]) for e in ours if e["kind"].startswith("incident.")]
                if mine != [(e["type"], e["at"]) for e in theirs]:
                    found.append(f"{party} / {key}: {len(mine)} entries, not {len(theirs)}")
        return found

    with contextlib.suppress(AssertionError):  # what still disagrees fails its own test below
        await eventually(
            disagreeing, lambda found: not found, timeout=60, what="the console to catch up"
        )
    w.console_disagrees = await disagreeing()
    for party in PARTIES:
        w.seen[party] = await channels(party)
    # Each party's browser at once: the console's pages and streams only read.
    await asyncio.gather(
        *(console_channels(w, village.console.url, console(p, "admin"), p) for p in PARTIES)
    )
    for provider, tooling in TOOLING.items():
        text = await topic_text(stack.kafka_bootstrap, village.topic_prefix, provider)
        w.seen[tooling] = {"": text}
    # Last, as it changes the world: a shared note on A, C, D and E reaches every party's work.
    changes = {"A": "northwind", "C": "contoso", "D": "northwind", "E": "fabrikam"}
    heard = await work_live(w, village.console.url, incidents, changes)
    for party, text in heard.items():
        w.seen[party][WORK_LIVE] = text
    return w


async def console_channels(w: World, console_url: str, con: Any, party: str) -> None:
    """The console as `party`'s browser reads it: its pages, every war room's live sections and
    live stream (each stream checked against the party's console timeline of the incident)."""
    ids = list(w.incidents.values())
    async with console_browser(console_url, party) as browser:
        paths = ["/work", "/contracts", *(f"/incidents/{i}/war-room" for i in ids)]
        w.seen[party][CONSOLE] = await console_pages(
            browser, paths + [f"/outages/{o}" for o in w.outages.values()]
        )
        w.seen[party][LIVE_PART] = await console_pages(
            browser, [f"/incidents/{i}/war-room/live-part" for i in ids]
        )
        texts = []
        for key, iid in w.incidents.items():
            path = f"/incidents/{iid}/timeline"
            before = await entries(con, path)
            timeline = None if before is None else [e["id"] for e in before]
            got = await war_room_stream(browser, iid, timeline)
            after = await entries(con, path)
            live_checked(w, key, party, timeline, got, after and [e["id"] for e in after])
            texts.append(got.text)
        w.seen[party][LIVE] = "\n".join(texts)


@pytest.fixture(scope="module")
async def world(full_village: Any, tokens: Any, stack: Any) -> AsyncIterator[World]:
    async with contextlib.AsyncExitStack() as stop:
        yield await build(full_village, tokens, stack, stop)


def state_of(world: World, thing: str, party: str, channel: str) -> str:
    found = world.things[thing]
    text = world.seen[party][channel]
    if found.marker in text:
        return V
    if any(i in text for i in found.ids):
        return R
    return "absent"


def cells(thing: str) -> list[tuple[str, str]]:
    """Every (party, channel) of one thing's row: each party on each channel, and each
    provider's tooling on its topics (a webhook endpoint is not on any topic)."""
    row = [(party, channel) for party in PARTIES for channel in CHANNELS]
    if not thing.startswith("webhook endpoint"):
        row += [(tooling, "") for tooling in TOOLING.values()]
    return row


# One test per thing, not per cell: ~17,000 cells as test items cost minutes of the suite in
# pytest's own bookkeeping; a failure still names every wrong cell.
@pytest.mark.parametrize("thing", list(EXPECTED))
async def test_leak_matrix(world: World, thing: str) -> None:
    wrong = [
        f"{party} / {thing} / {channel or 'topics'}: {seen}, expected {expected}"
        for party, channel in cells(thing)
        if (seen := state_of(world, thing, party, channel))
        != (expected := EXPECTED[thing].get((party, channel), "absent"))
    ]
    assert not wrong, "\n".join(wrong)


async def test_the_console_shows_each_party_the_incident_events_the_incidents_service_does(
    world: World,
) -> None:
    """Every party, every incident: the console's timeline holds exactly the incident's events
    the incidents service's timeline shows that party (same types, same times, same order), and
    is 404 exactly where that one is."""
    assert world.console_disagrees == []


async def test_a_customer_never_learns_who_else_collaborates_on_its_incident(world: World) -> None:
    """contoso worked on initech's incidents A and B as northwind's collaborator, and fabrikam
    below it as contoso's, with restricted notes only: nothing initech gets, on any channel,
    names contoso or fabrikam."""
    leaks = [
        (channel, name)
        for channel, text in world.seen["initech"].items()
        for name in ("contoso", "fabrikam")
        if name in text
    ]
    assert leaks == []


async def test_a_customer_is_not_told_who_is_between_its_partner_and_the_provider(
    world: World,
) -> None:
    """litware's incident E goes litware → fabrikam → northwind → acme: litware works with
    fabrikam and knows acme's product, but no channel of litware's names northwind (the
    incident's `opened.chain` is narrowed to the parties working it)."""
    leaks = [channel for channel, text in world.seen["litware"].items() if "northwind" in text]
    assert leaks == []


async def test_a_vendor_never_learns_that_another_vendors_part_exists(world: World) -> None:
    """Not even its id: no channel of acme's names globex's part of acme's incident F."""
    part = world.incidents["F's part"]
    channels = {**world.seen["acme"], "acme topics": world.seen[ACME_T][""]}
    leaks = [channel for channel, text in channels.items() if part in text]
    assert leaks == []


async def test_a_parts_vendor_learns_of_the_parent_only_its_id(world: World) -> None:
    """globex gets F's id as its part's `parent_id`, on the channels that carry the part, and
    nowhere else, in no other field (the parent itself is absent: the matrix's F row)."""
    parent = world.incidents["F"]
    named = re.compile(r"""parent_id["']?\s*[:=]\s*["']""" + re.escape(parent))
    seen = world.seen["globex"]
    assert {c for c, text in seen.items() if named.search(text)} >= {"incident", "timeline"}
    leaks = [channel for channel, text in seen.items() if parent in named.sub("", text)]
    assert leaks == []


async def test_a_partner_learns_only_how_many_incidents_it_does_not_work_are_linked(
    world: World,
) -> None:
    """northwind linked G to acme's outage: contoso, acme's other partner, sees the outage and
    that one other incident is linked, and on no channel G's id."""
    g = world.incidents["G"]
    seen = world.seen["contoso"]
    assert '"others":1' in seen["outages"]
    assert [channel for channel, text in seen.items() if g in text] == []


RANK = {"absent": 0, R: 1, V: 2}


@pytest.mark.parametrize("console_channel", CONSOLE_CHANNELS)
async def test_the_console_shows_a_party_no_more_than_its_other_channels(
    world: World, console_channel: str
) -> None:
    """The console is a channel too (its pages, the war room's live sections and live stream,
    My work's live stream): every thing shows there at most as it shows that party on the
    channels the table fixes (whole, or its bare id, or nothing)."""
    over = []
    for party in PARTIES:
        for thing, table in EXPECTED.items():
            allowed = max(RANK[table.get((party, channel), "absent")] for channel in CHANNELS)
            shown = state_of(world, thing, party, console_channel)
            if RANK[shown] > allowed:
                over.append(f"{party} / {thing}: {shown}")
    assert over == []


async def test_the_war_rooms_live_sections_show_every_note_the_party_may_read(
    world: World,
) -> None:
    """What an open war room swaps in is the party's view, not a part of it: every note whose
    text the party reads on the notes channel is on its live sections, whole (a note whose
    marker is its id, as the fan-out's fixed words are, shows its text there, not its id)."""
    missing = [
        f"{party} / {thing}"
        for thing, table in EXPECTED.items()
        for party in PARTIES
        if table.get((party, "notes")) == V
        and world.things[thing].marker.startswith("zq")
        and state_of(world, thing, party, LIVE_PART) != V
    ]
    assert missing == [], missing


async def test_the_war_rooms_live_stream_names_exactly_the_partys_timeline(world: World) -> None:
    """Every party, every incident: the war room's live stream replayed from the start names
    the entries of the party's console timeline, each once, and no other; for an incident the
    party may not see (never, or no more) it says `gone` and names none."""
    assert world.live_disagrees == []


async def test_my_works_live_stream_tells_every_party_of_a_change_to_its_work(
    world: World,
) -> None:
    """The stream the matrix read is a live one: each party's heard `changed` once a shared
    note was written on one of its incidents (and, above, carried nothing more)."""
    assert world.work_unheard == []
