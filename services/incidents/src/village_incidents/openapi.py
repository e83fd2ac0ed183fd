"""What the incidents API's OpenAPI document shows besides its schemas: real examples of what the
routes answer, and the responses (views, pages, problems) each kind of route documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from village_platform.errors import problem_responses

from .reads import VIEW_NOTES

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
}
INCIDENT_VIEW = {
    "description": f"the incident as you may see it: `notes` are the latest {VIEW_NOTES} you may"
    " see, oldest first; `notes_next` is where the older ones are (null: there are"
    " none)",
    "headers": ETAG_HEADER,
    "content": {"application/json": {"example": INCIDENT_EXAMPLE}},
}
COMMAND_RESPONSES = {200: INCIDENT_VIEW, **problem_responses(400, 401, 403, 404, 409, 412, 422)}
LOCATION_HEADER = {"Location": {"description": "/incidents/{id}", "schema": {"type": "string"}}}
OPEN_RESPONSES = {
    201: {**INCIDENT_VIEW, "headers": {**ETAG_HEADER, **LOCATION_HEADER}},
    **problem_responses(400, 401, 403, 409, 422),
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
