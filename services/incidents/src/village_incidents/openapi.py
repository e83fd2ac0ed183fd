"""What the incidents API's OpenAPI document shows besides its schemas: real examples of what the
routes answer, and the responses (views, pages, problems) each kind of route documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from village_platform.errors import problem_responses

from .reads import VIEW_NOTES, VIEW_PARTS

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match", description='The incident\'s ETag (its version, e.g. "3"); 412 when stale'
    ),
]
READ_ERRORS = problem_responses(400, 401, 404, 422)
ETAG_HEADER = {
    "ETag": {
        "description": 'the incident\'s version, e.g. "3": send it back as If-Match',
        "schema": {"type": "string"},
    }
}
NOTE_EXAMPLE = {
    "id": "9a0c6e1f-2b43-4d8e-8f51-6a7b8c9d0e1f",
    "author_party": "northwind",
    "author_user": "jane.doe",
    "visibility": "shared",
    "body": "Tunnel flaps every 30 s.",
    "created_at": "2026-11-23T09:20:41+00:00",
    "edited_at": None,
}
# A part of the incident below, handed to globex, as the incident list shows it.
PART_EXAMPLE = {
    "id": "c41d7e90-8a2b-4f3c-9e15-7b6a5d4c3b2a",
    "version": 1,
    "title": "Firewall drops the VPN tunnel's traffic",
    "status": "new",
    "severity": "S1",
    "product": "globex-firewalls",
    "customer": "initech",
    "partner": "northwind",
    "provider": "globex",
    "opened_at": "2026-11-23T09:31:15+00:00",
    "updated_at": "2026-11-23T09:31:15+00:00",
    "parent_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
    "outage_id": None,
}
INCIDENT_EXAMPLE = {
    "id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
    "version": 3,
    "title": "Branch office VPN down",
    "description": "Site-to-site tunnel to Leeds dropped at 09:12.",
    "severity": "S1",
    "product": "routers",
    "impacted_service": "branch-vpn",
    "status": "acknowledged",
    "customer": "initech",
    "partner": "northwind",
    "provider": "acme",
    "requester": "northwind",
    "opened_at": "2026-11-23T09:14:02+00:00",
    "updated_at": "2026-11-23T09:20:41+00:00",
    "resolved_at": None,
    "closed_at": None,
    "external_refs": [{"owner": "northwind", "type": "servicenow", "id": "INC0012345"}],
    "acknowledged_by": {"northwind": "2026-11-23T09:16:10+00:00"},
    "hold_reason": None,
    "resolution": None,
    "impacts": [],
    "rating": None,
    "notes": [NOTE_EXAMPLE],
    "notes_next": None,
    "assignment": {"party": "northwind", "tier": "L1", "assignee": "jane.doe"},
    "escalations": [],
    "collaborators": [],
    "chain": ["initech", "northwind", "acme"],
    "parent_id": None,
    "parts": [PART_EXAMPLE],
    "parts_next": None,
    "outage_id": None,
}
INCIDENT_VIEW = {
    "description": f"the incident as you may see it: `notes` are the latest {VIEW_NOTES} you may"
    " see, oldest first; `notes_next` is where the older ones are (null: there are"
    f" none); `parts` the newest {VIEW_PARTS} of its parts you are on, `parts_next` where the"
    " others are; a part's `parent_id` names its parent",
    "headers": ETAG_HEADER,
    "content": {"application/json": {"example": INCIDENT_EXAMPLE}},
}
COMMAND_RESPONSES = {
    200: INCIDENT_VIEW,
    204: {
        "description": "done, with `Prefer: return=minimal`: the incident's new version, no body",
        "headers": {
            **ETAG_HEADER,
            "Preference-Applied": {
                "description": "return=minimal",
                "schema": {"type": "string"},
            },
        },
    },
    **problem_responses(400, 401, 403, 404, 409, 412, 422),
}
BATCH_RESPONSES = {
    200: {
        "description": "each command's answer, in the order sent",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "status": {"type": "integer"},
                                    "etag": {"type": "string"},
                                    "replayed": {"type": "boolean"},
                                    "problem": {"type": "object"},
                                },
                                "required": ["status"],
                            },
                        }
                    },
                    "required": ["results"],
                },
                "example": {
                    "results": [
                        {"status": 204, "etag": '"4"', "replayed": False},
                        {
                            "status": 409,
                            "problem": {
                                "type": "/problems/invalid-transition",
                                "title": "Conflict",
                                "status": 409,
                                "detail": "cannot assign an incident that is closed",
                            },
                        },
                    ]
                },
            }
        },
    },
    **problem_responses(401, 403, 409, 422),
}
LOCATION_HEADER = {"Location": {"description": "/incidents/{id}", "schema": {"type": "string"}}}
OPEN_RESPONSES = {
    201: {**INCIDENT_VIEW, "headers": {**ETAG_HEADER, **LOCATION_HEADER}},
    **problem_responses(400, 401, 403, 409, 422),
}

OPEN_PART_RESPONSES = {
    201: {
        **INCIDENT_VIEW,
        "description": "the part, an incident of its own, as you may see it",
        "headers": {**ETAG_HEADER, **LOCATION_HEADER},
        "content": {
            "application/json": {
                "example": {
                    **INCIDENT_EXAMPLE,
                    **PART_EXAMPLE,
                    "description": "Site-to-site tunnel to Leeds dropped at 09:12.",
                    "impacted_service": "branch-vpn",
                    "requester": "northwind",
                    "external_refs": [],
                    "acknowledged_by": {},
                    "notes": [],
                    "assignment": None,
                    "chain": ["initech", "northwind", "globex"],
                    "parts": [],
                }
            }
        },
    },
    **problem_responses(400, 401, 403, 404, 409, 422),
}
PARTS_PAGE = {
    "description": "a page of the incident's parts you are on, newest first; `next_cursor`"
    " continues it (null: the end)",
    "content": {"application/json": {"example": {"items": [PART_EXAMPLE], "next_cursor": None}}},
}

NOTES_PAGE = {
    "description": "a page of the notes you may see; `next_cursor` continues it (null: the end)",
    "content": {"application/json": {"example": {"items": [NOTE_EXAMPLE], "next_cursor": None}}},
}

TIMELINE_PAGE = {
    "description": "a page of what happened, as you may see it; `next_cursor` continues it"
    " (null: the end)",
    "content": {
        "application/json": {
            "example": {
                "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
                "next_cursor": None,
                "items": [
                    {
                        "version": 2,
                        "type": "village.incident.acknowledged.v1",
                        "at": "2026-11-23T09:16:10+00:00",
                        "party": "northwind",
                        "user": "jane.doe",
                        "visibility": "shared",
                        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
                        "data": {"party": "northwind", "user": "jane.doe"},
                    }
                ],
            }
        }
    },
}

# northwind let contoso invite others; contoso brought in fabrikam; northwind then revoked
# contoso, and fabrikam with it.
_CONTOSO_HOP = "5f1c2a9e-7b3d-5e8f-a1c4-9d2e6b7f8a01"
PROVENANCE_VIEW = {
    "description": "the hops you may see, as trees (`below`: the hops made below each); a"
    " collaborator's own hop is a root of its view; `revoked.cascade_of` names the hop whose"
    " revocation took this one with it",
    "headers": ETAG_HEADER,
    "content": {
        "application/json": {
            "example": {
                "incident_id": "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90",
                "version": 9,
                "hops": [
                    {
                        "hop_id": _CONTOSO_HOP,
                        "partner": "contoso",
                        "invited_by": "northwind",
                        "parent_hop": None,
                        "scope": "firewall rules review",
                        "reason": "contoso runs initech's firewalls",
                        "may_invite": True,
                        "at": "2026-11-23T09:40:00+00:00",
                        "revoked": {
                            "at": "2026-11-23T11:05:00+00:00",
                            "by": "northwind",
                            "reason": "review done",
                            "cascade_of": None,
                        },
                        "below": [
                            {
                                "hop_id": "0d9e8c7b-6a5f-5e4d-b3c2-a1f0e9d8c7b6",
                                "partner": "fabrikam",
                                "invited_by": "contoso",
                                "parent_hop": _CONTOSO_HOP,
                                "scope": "VPN appliance logs",
                                "reason": "fabrikam's VPN specialist knows this firmware",
                                "may_invite": False,
                                "at": "2026-11-23T10:02:00+00:00",
                                "revoked": {
                                    "at": "2026-11-23T11:05:00+00:00",
                                    "by": "northwind",
                                    "reason": "review done",
                                    "cascade_of": _CONTOSO_HOP,
                                },
                                "below": [],
                            }
                        ],
                    }
                ],
            }
        }
    },
}
