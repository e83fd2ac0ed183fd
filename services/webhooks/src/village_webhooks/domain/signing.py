"""Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`), made by
the `standardwebhooks` package, so any Standard Webhooks library verifies them.

During a secret rotation's overlap the signature header carries one `v1,<sig>` per secret in
force (the spec allows several, space-separated): a receiver holding either secret verifies.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(
    msg_id: str, timestamp: datetime, payload: str, secrets_in_force: Iterable[str]
) -> dict[str, str]:
    signatures = [Webhook(secret).sign(msg_id, timestamp, payload) for secret in secrets_in_force]
    if not signatures:
        raise ValueError("an endpoint needs a secret to sign with")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/cloudevents+json",
    }
