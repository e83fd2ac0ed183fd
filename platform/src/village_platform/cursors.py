"""Page cursors, one codec for every list: opaque to clients, strict when they come back.

A cursor is base64url (no padding) of a compact JSON array: the list's kind, the position
value, and, for a list whose order depends on a query (search), a digest of that query.
Decoding refuses, as a 400 `invalid-cursor` problem and before any query runs, anything this
API did not issue: too long, not base64url, not UTF-8, NUL anywhere, not JSON, the wrong shape
or kind, a number beyond int64 or out of the list's range, a value its parser rejects, or a
cursor of another query.

    INCIDENTS = Cursor("incidents", position)
    INCIDENTS.encode(41)  -> "WyJpbmNpZGVudHMiLDQxXQ"
    INCIDENTS.decode("WyJpbmNpZGVudHMiLDQxXQ")  -> 41
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .errors import Problem

T = TypeVar("T")

INT64_MAX = 2**63 - 1
MAX_CURSOR_CHARS = 200
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def position(value: Any) -> int:
    """A bigint position or sequence (0 .. 2^63-1); booleans are not numbers."""
    if type(value) is not int or not 0 <= value <= INT64_MAX:
        raise ValueError("not a position")
    return value


def offset_up_to(limit: int) -> Callable[[Any], int]:
    """An offset into a ranked result (search), at most `limit`: deep paging is refused."""

    def offset(value: Any) -> int:
        if type(value) is not int or not 0 <= value <= limit:
            raise ValueError("not an offset")
        return value

    return offset


def uuid_value(value: Any) -> uuid.UUID:
    if type(value) is not str or len(value) != 36:
        raise ValueError("not a uuid")
    return uuid.UUID(value)


def identifier(max_length: int = 100) -> Callable[[Any], str]:
    """A text id (a contract id, a slug): 1 to `max_length` printable characters."""

    def text_id(value: Any) -> str:
        if type(value) is not str or not 0 < len(value) <= max_length or not value.isprintable():
            raise ValueError("not an id")
        return value

    return text_id


def invalid_cursor(detail: str = "cursor is not one this API issued") -> Problem:
    return Problem(400, "invalid-cursor", detail)


@dataclass(frozen=True)
class Cursor(Generic[T]):
    """The cursor codec of one list: `kind` names the list, `parse` checks a decoded value (and
    raises ValueError or TypeError for one this list never issues)."""

    kind: str
    parse: Callable[[Any], T]

    def encode(self, value: T, *, query: str | None = None) -> str:
        item: list[Any] = [self.kind, str(value) if isinstance(value, uuid.UUID) else value]
        if query is not None:
            item.append(_digest(query))
        raw = json.dumps(item, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str, *, query: str | None = None) -> T:
        if len(cursor) > MAX_CURSOR_CHARS or not _BASE64URL.match(cursor):
            raise invalid_cursor()
        try:
            raw = base64.b64decode(
                cursor.rstrip("=") + "=" * (-len(cursor.rstrip("=")) % 4),
                altchars=b"-_",
                validate=True,
            )
            text = raw.decode("utf-8")
            if "\x00" in text or "\\u0000" in text:
                raise ValueError("NUL")
            item = json.loads(text)
        except (binascii.Error, ValueError, RecursionError):
            raise invalid_cursor() from None
        expected = 2 if query is None else 3
        if type(item) is not list or len(item) != expected or item[0] != self.kind:
            raise invalid_cursor()
        if query is not None and item[2] != _digest(query):
            raise invalid_cursor("cursor is not one this API issued for this query")
        try:
            return self.parse(item[1])
        except (ValueError, TypeError):
            raise invalid_cursor() from None

    def decode_optional(self, cursor: str | None, *, query: str | None = None) -> T | None:
        return None if cursor is None else self.decode(cursor, query=query)


def _digest(query: str) -> str:
    """Binds a cursor to its query without carrying the query (which may be long or private)."""
    return hashlib.blake2b(query.encode(), digest_size=8).hexdigest()
