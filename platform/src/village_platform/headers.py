"""Request headers every service's API shares: Idempotency-Key, If-Match and Prefer."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from .errors import Problem

IDEMPOTENCY_DOC = (
    "Retry-safe key, scoped to your party and kept for 24 h: the same key with the same body "
    "returns the stored response; with another body, 422; while the first is in flight, 409."
)
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY_DOC, max_length=255)
]

# Strong entity tags only: If-Match uses the strong comparison (RFC 9110 13.1.1), so a weak
# tag (W/"3") never matches. The quotes are forgiven for ticketing systems that drop them.
_ETAG = re.compile(r'^"?(\d{1,9})"?$')


def if_match_versions(value: str | None, what: str = "resource") -> frozenset[int] | None:
    """The versions an `If-Match` list names; None for no header or `*`; 412 if it names none."""
    if value is None or value.strip() == "*":
        return None
    versions = frozenset(
        int(m.group(1)) for tag in value.split(",") if (m := _ETAG.match(tag.strip()))
    )
    if not versions:
        raise Problem(412, "stale-version", f"If-Match names no (strong) version of this {what}")
    return versions


Prefer = Annotated[
    str | None,
    Header(
        alias="Prefer",
        max_length=200,
        description="`return=minimal` (RFC 7240): answer 204 with the new ETag and no body, for"
        " callers that do not read the resource back (a retry with the same Idempotency-Key"
        " gets the first answer)",
    ),
]


def prefers_minimal(prefer: str | None) -> bool:
    """Whether a Prefer header (RFC 7240: preferences separated by commas, each with optional
    parameters after ";") asks for `return=minimal`."""
    if not prefer:
        return False
    return any(
        p.split(";", 1)[0].strip().replace(" ", "").lower() == "return=minimal"
        for p in prefer.split(",")
    )
