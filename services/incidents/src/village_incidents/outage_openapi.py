"""What the provider incidents API's OpenAPI document shows: real examples of what the routes
answer (as acme's partner northwind sees them), and the responses each route documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from village_platform.errors import problem_responses

from .outage_reads import VIEW_LINKS

OutageIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The provider incident\'s ETag (its version, e.g. "2"); 412 when stale',
    ),
]

OUTAGE_ID = "8d3f0c2a-6b1e-4f7a-9c55-1e2d3c4b5a69"
LINK_EXAMPLE = {
    "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
    "title": "Branch office VPN down",
    "status": "acknowledged",
    "partner": "northwind",
    "linked_by": "northwind",
    "linked_at": "2026-11-23T09:25:00+00:00",
}
SUMMARY_EXAMPLE = {
    "id": OUTAGE_ID,
    "version": 4,
    "provider": "acme",
    "title": "Router firmware 7.2 drops IPsec tunnels",
    "status": "identified",
    "severity": "S1",
    "products": ["routers"],
    "started_at": "2026-11-23T08:40:00+00:00",
    "declared_at": "2026-11-23T09:02:11+00:00",
    "updated_at": "2026-11-23T09:40:00+00:00",
}
OUTAGE_EXAMPLE = {
    **SUMMARY_EXAMPLE,
    "description": "Routers on firmware 7.2 drop site-to-site tunnels after rekeying.",
    "impacted_services": ["site-to-site VPN"],
    "regions": ["eu-west"],
    "declared_by": "sam.tac",
    "ended_at": None,
    "messages": [
        {
            "status": "identified",
            "message": "Cause found: a rekeying timer in 7.2.",
            "at": "2026-11-23T09:40:00+00:00",
        }
    ],
    "incidents": [LINK_EXAMPLE],
    "incidents_next": None,
    "others": 41,
}
ETAG_HEADER = {
    "ETag": {
        "description": 'the provider incident\'s version, e.g. "4": send it back as If-Match',
        "schema": {"type": "string"},
    }
}
OUTAGE_VIEW = {
    "description": "the provider incident as you may see it: its provider sees every linked"
    " incident; a partner of the provider the ones it works (`incidents`, the first"
    f" {VIEW_LINKS}, `incidents_next` where the others are) and how many others there are"
    " (`others`), never which",
    "headers": ETAG_HEADER,
    "content": {"application/json": {"example": OUTAGE_EXAMPLE}},
}
READ_ERRORS = problem_responses(400, 401, 404, 422)
DECLARE_RESPONSES = {
    201: {
        **OUTAGE_VIEW,
        "headers": {
            **ETAG_HEADER,
            "Location": {"description": "/provider-incidents/{id}", "schema": {"type": "string"}},
        },
    },
    **problem_responses(400, 401, 403, 409, 422),
}
COMMAND_RESPONSES = {200: OUTAGE_VIEW, **problem_responses(400, 401, 403, 404, 409, 412, 422)}
LIST_PAGE = {
    "description": "a page of the provider incidents you may see, newest first; `next_cursor`"
    " continues it (null: the end)",
    "content": {"application/json": {"example": {"items": [SUMMARY_EXAMPLE], "next_cursor": None}}},
}
LINKS_PAGE = {
    "description": "a page of the linked incidents you work (the provider: all), oldest link"
    " first; `next_cursor` continues it (null: the end)",
    "content": {"application/json": {"example": {"items": [LINK_EXAMPLE], "next_cursor": None}}},
}
CANDIDATES = {
    "description": "open incidents of the outage's provider and products, opened since it"
    " started and linked to no outage, that you could link (a partner: its own), best match of"
    " the outage's title and description first (`rank`: PostgreSQL's ts_rank)",
    "content": {
        "application/json": {
            "example": {
                "items": [
                    {
                        "incident_id": "7d0c9f3e-5b1a-4f0e-9a77-0c2a1e4b8d11",
                        "title": "IPsec tunnel to Leeds drops after rekey",
                        "status": "new",
                        "severity": "S1",
                        "product": "routers",
                        "customer": "initech",
                        "partner": "northwind",
                        "opened_at": "2026-11-23T09:05:40+00:00",
                        "rank": 0.075991,
                    }
                ]
            }
        }
    },
}

_HOP = {
    "hop_id": "0b6c2f0e-1d2a-5c3b-9e4f-7a8b9c0d1e2f",
    "partner": "northwind",
    "invited_by": "acme",
    "parent_hop": None,
    "scope": "read the tunnel logs of firmware 7.2",
    "reason": "northwind's engineers know firmware 7.2",
    "may_invite": True,
    "at": "2026-11-23T09:45:00+00:00",
    "revoked": None,
    "certification": "routers",
}
SWARM_PROVENANCE = {
    "description": "the swarm's hops you may see, as trees (`below`: the hops made below each):"
    " the provider every hop, a swarming partner its own and those below them, another partner"
    " none; `revoked.cascade_of` names the hop whose revocation took this one with it",
    "headers": ETAG_HEADER,
    "content": {
        "application/json": {
            "example": {
                "outage_id": OUTAGE_ID,
                "version": 6,
                "hops": [
                    {
                        **_HOP,
                        "below": [
                            {
                                **_HOP,
                                "hop_id": "5e1d7c3b-2a4f-5b6e-8d9c-0f1e2d3c4b5a",
                                "partner": "contoso",
                                "invited_by": "northwind",
                                "parent_hop": _HOP["hop_id"],
                                "scope": "umbrella's tunnels",
                                "reason": "contoso runs the same tunnels for umbrella",
                                "may_invite": False,
                                "at": "2026-11-23T10:05:00+00:00",
                                "below": [],
                            }
                        ],
                    }
                ],
            }
        }
    },
}
SWARM_ERRORS = problem_responses(400, 401, 403, 404, 409, 412, 422)


UPDATE_EXAMPLE = {
    "update_id": "5b9e2f61-3c4d-4e8a-b7f0-1a2b3c4d5e6f",
    "kind": "update",
    "body": "A fixed firmware (7.2.1) is rolling out region by region.",
    "audience": "customers",
    "posted_at": "2026-11-23T10:15:00+00:00",
    "total": 240,
    "delivered": 180,
}


UPDATE_POSTED = {
    201: {
        "description": "the update, queued for every incident linked now (`total`); the fan-out"
        " notes it on each once (`delivered` so far)",
        "content": {"application/json": {"example": UPDATE_EXAMPLE}},
    },
    **problem_responses(400, 401, 403, 404, 409, 422),
}


UPDATES = {
    "description": "the provider incident's updates (posted, each status message, the"
    " resolution), oldest first, each with how many linked incidents have it",
    "content": {"application/json": {"example": {"items": [UPDATE_EXAMPLE]}}},
}


CONFIRMATIONS = {
    "description": "how the requesters answered the outage's resolution: its provider gets"
    " counts per partner (`confirmed`: closed, `rejected`: reopened and unlinked, `waiting`);"
    " a partner its own counts and `incidents`, each with its `resolution`",
    "content": {
        "application/json": {
            "example": {
                "partners": [
                    {"partner": "northwind", "confirmed": 12, "rejected": 1, "waiting": 30}
                ]
            }
        }
    },
}
