"""A small identity provider for tests: asymmetric signing keys (RSA, EC) published as a JWKS
over real HTTP on 127.0.0.1, rotated and retired on demand, and tokens for parties' users and
machine-to-machine clients, as an OIDC provider would issue them.

    with IdentityProvider() as idp:
        env = idp.service_env()               # VILLAGE_JWKS_URL, VILLAGE_JWT_ISSUER, ...
        token = idp.token("northwind")        # signed with the current key
        new = idp.rotate()                    # a new current key; the old one stays published
        idp.retire(old_kid)                   # no longer published
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

JWKS_PATH = "/.well-known/jwks.json"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str  # RS256 | ES256
    private_key: Any

    def public_jwk(self) -> dict[str, Any]:
        exporter = RSAAlgorithm if self.algorithm == "RS256" else ECAlgorithm
        jwk = exporter.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}


def new_key(algorithm: str = "RS256") -> SigningKey:
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError(f"no test keys for {algorithm}")
    return SigningKey(f"{algorithm.lower()}-{uuid.uuid4().hex[:8]}", algorithm, private)


class IdentityProvider:
    def __init__(
        self,
        *,
        issuer: str = "https://idp.village.test/",
        audience: str = "village-api",
        algorithm: str = "RS256",
    ) -> None:
        self.issuer, self.audience = issuer, audience
        self.current = new_key(algorithm)
        self._published: dict[str, SigningKey] = {self.current.kid: self.current}
        self._all: dict[str, SigningKey] = dict(self._published)
        self._lock = threading.Lock()
        self.jwks_requests = 0
        self.available = True  # False: the endpoint answers 503 (an outage)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="test-idp", daemon=True
        )

    # -- the HTTP endpoint ----------------------------------------------------------------

    @property
    def jwks_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{JWKS_PATH}"

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [key.public_jwk() for key in self._published.values()]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != JWKS_PATH:
                    self.send_error(404)
                    return
                with provider._lock:
                    provider.jwks_requests += 1
                if not provider.available:
                    self.send_error(503)
                    return
                body = json.dumps(provider.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def service_env(self, **extra: str) -> dict[str, str]:
        """The environment that makes a Village service trust this provider."""
        return {
            "VILLAGE_JWKS_URL": self.jwks_url,
            "VILLAGE_JWT_ISSUER": self.issuer,
            "VILLAGE_JWT_AUDIENCE": self.audience,
            **extra,
        }

    # -- keys -----------------------------------------------------------------------------

    def rotate(self, algorithm: str = "RS256") -> SigningKey:
        """A new current signing key, published next to the old ones."""
        key = new_key(algorithm)
        with self._lock:
            self._published[key.kid] = self._all[key.kid] = key
            self.current = key
        return key

    def retire(self, kid: str) -> None:
        """Stop publishing `kid` (tokens it signed must stop verifying)."""
        with self._lock:
            del self._published[kid]

    # -- tokens ---------------------------------------------------------------------------

    def token(
        self,
        party: str | None,
        *,
        roles: Iterable[str] | str = ("agent",),
        subject: str | None = None,
        kid: str | None = None,
        key: SigningKey | None = None,
        ttl: timedelta = timedelta(minutes=15),
        party_claim: str = "party",
        roles_claim: str = "roles",
        **claims: Any,
    ) -> str:
        """A user's token (`subject`: the user) or a machine client's (`subject`: the client id).
        Signed with the current key, the key `kid`, or `key` (one never published); `claims` add
        or override claims (`iss=`, `aud=`, `party_kind=`, `exp=`...)."""
        key = key or (self._all[kid] if kid else self.current)
        now = datetime.now(UTC)
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or f"{party}-user",
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            roles_claim: roles if isinstance(roles, str) else sorted(roles),
        }
        if party is not None:
            body[party_claim] = party
        body.update(claims)
        return jwt.encode(body, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})
