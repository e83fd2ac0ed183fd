"""Signing secrets at rest: sealed with Fernet (`cryptography`: AES-128-CBC + HMAC-SHA256),
under the keys of `WEBHOOKS_SECRET_KEYS`.

The first key seals; every key opens (MultiFernet), so a key is rotated without downtime:
put a new key first, keep the old ones after it, run `village-webhooks reseal-secrets` (every
secret sealed again under the first key), then drop the old keys. The development key below is
public: a service outside development refuses to start with it (config.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# For `make run` and tests only: anyone can read it here.
DEV_SECRET_KEY = "dmlsbGFnZS1kZXYtd2ViaG9vay1rZXktbm90LXNlY3I="


_UNKNOWN_KEY = "a signing secret is sealed with a key that is not configured"


class SealError(ValueError):
    """A sealed secret that none of the configured keys opens (a key was dropped too early)."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def parse_keys(spec: str | Sequence[str]) -> tuple[str, ...]:
    """Keys, newest first, from a comma-separated setting; each must be a Fernet key."""
    items = spec.split(",") if isinstance(spec, str) else spec
    keys = tuple(k.strip() for k in items if k.strip())
    if not keys:
        raise ValueError(
            "WEBHOOKS_SECRET_KEYS needs a key (generate one: village-webhooks new-key)"
        )
    for n, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:  # the key is not echoed: it is a secret too
            raise ValueError(
                f"WEBHOOKS_SECRET_KEYS: key {n} is not a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return keys


class Sealer:
    """Seals and opens signing secrets."""

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in parse_keys(keys)])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealError(_UNKNOWN_KEY) from None

    def reseal(self, sealed: str) -> str:
        """The same secret, sealed under the first key."""
        try:
            return self._fernet.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise SealError(_UNKNOWN_KEY) from None
