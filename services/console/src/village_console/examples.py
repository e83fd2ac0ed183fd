"""What the console's OpenAPI document shows: real examples of its answers."""

from __future__ import annotations

from village_platform.errors import problem_responses

READ_ERRORS = problem_responses(400, 401, 404, 422)

_INCIDENT = "3f2b8c1e-5d4a-4e0b-9a57-2c1d0e6f8a90"
ENTRY = {
    "id": "0b7e4c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d",
    "at": "2026-11-23T09:31:02+00:00",
    "party": "acme",
    "tier": "TAC L1",
    "kind": "escalation.decided",
    "type": "village.escalation.decided.v1",
    "source": "/village/escalation",
    "summary": "route to acme TAC L1 by rule r-routers-s1: severity S1 on routers",
    "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "trace_url": "http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736",
    "data": {
        "decision_id": "5f1c2a9e-7b3d-5e8f-a1c4-9d2e6b7f8a01",
        "incident_id": _INCIDENT,
        "kind": "route",
        "trigger": "opened",
        "from": None,
        "to": {"party": "acme", "tier": "TAC L1"},
        "basis": {"type": "rule", "party": "acme", "id": "r-routers-s1", "version": 1},
        "reason": "severity S1 on routers",
        "at": "2026-11-23T09:31:02+00:00",
    },
}
NOTE_ENTRY = {
    "id": "9a0c6e1f-2b43-4d8e-8f51-6a7b8c9d0e1f",
    "at": "2026-11-23T09:32:40+00:00",
    "party": "northwind",
    "tier": "L1",
    "kind": "incident.note_added",
    "type": "village.incident.note_added.v1",
    "source": "/village/incidents",
    "summary": "shared note added",
    "trace_id": "7d1e0c3b2a4f45e6b8c9d0e1f2a3b4c5",
    "visibility": "shared",
    "data": {
        "note_id": "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d",
        "author_party": "northwind",
        "author_user": "jane.doe",
        "note_visibility": "shared",
        "body": "Tunnel flaps every 30 s.",
    },
}
TIMELINE_PAGE = {
    "description": "a page of the incident's history across every service, as you may see it;"
    " `next_cursor` continues it (null: the end)",
    "content": {
        "application/json": {
            "example": {
                "incident_id": _INCIDENT,
                "items": [ENTRY, NOTE_ENTRY],
                "next_cursor": None,
            }
        }
    },
}
TIMELINE_STREAM = {
    "description": "server-sent events: each new entry you may see, as an `entry` event whose"
    " data is the entry (as in the timeline's items) and whose id is the event's id",
    "content": {
        "text/event-stream": {
            "schema": {"type": "string"},
            "example": 'event: entry\r\nid: 9a0c6e1f-2b43-4d8e-8f51-6a7b8c9d0e1f\r\ndata: {"id":'
            ' "9a0c6e1f-2b43-4d8e-8f51-6a7b8c9d0e1f", "kind": "incident.note_added", ...}\r\n\r\n',
        }
    },
}
