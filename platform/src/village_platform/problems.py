"""The errors every Village API answers as RFC 9457 problem details, in code that knows no web
framework: the domain raises them, `errors.install_problem_handlers` answers them (and a token
can be minted or checked without importing FastAPI: `village-dev token`)."""

from __future__ import annotations

from typing import Any

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal server error",
    503: "Service unavailable",
}


class DomainError(Exception):
    """A command or request the rules refuse, from pure code that knows no HTTP: `status` is the
    problem's status, `kind` the last segment of its type URI, `extensions` its extra members.
    Every service raises these (or `Problem`); `install_problem_handlers` maps them once."""

    def __init__(self, status: int, kind: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.extensions = extensions

    @classmethod
    def not_found(cls, detail: str) -> DomainError:
        return cls(404, "not-found", detail)

    @classmethod
    def forbidden(cls, detail: str) -> DomainError:
        return cls(403, "forbidden", detail)

    @classmethod
    def conflict(cls, detail: str, kind: str = "invalid-transition") -> DomainError:
        return cls(409, kind, detail)

    @classmethod
    def invalid(cls, detail: str, kind: str = "invalid-command") -> DomainError:
        return cls(422, kind, detail)


class Problem(DomainError):
    """Raise to answer with a problem detail: a DomainError that may also carry HTTP headers (a
    `Retry-After`) and a title of its own."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(status, kind, detail, **extensions)
        self.title = title or TITLES.get(status, "Error")
        self.headers = headers or {}

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/problems/{self.kind}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body
