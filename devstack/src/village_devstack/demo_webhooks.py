"""The demo's webhook endpoints: one per demo provider, subscribed to every event type, pointing
at `make run`'s receiver on this machine (`<receiver>/<provider>`, demo_receiver.py).

They are registered through the webhooks API with each provider's admin token. A signing secret
is shown once, so the seed keeps the secrets in a file only this user may read (0600), which the
receiver reads too. Seeding again registers nothing: it finds each provider's demo endpoint (by
its description), points it at the receiver if the receiver moved, and keeps its secret; only a
secret lost with the file is rotated (the new one is then kept).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import httpx

from . import demo

log = logging.getLogger("village.devstack.demo")

PROVIDERS = tuple(p.id for p in demo.PARTIES if p.kind == "provider")
DESCRIPTION = "make run's demo webhook receiver"


def read_secrets(path: Path) -> dict[str, dict[str, str]]:
    """`{party: {"endpoint": id, "secret": "whsec_..."}}` as the seed kept it (empty if none)."""
    try:
        kept = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    # Anything else in it is not the seed's: those parties' secrets are rotated.
    return {
        party: entry
        for party, entry in (kept.items() if isinstance(kept, dict) else ())
        if isinstance(entry, dict) and {"endpoint", "secret"} <= entry.keys()
    }


def write_secrets(path: Path, secrets: dict[str, dict[str, str]]) -> None:
    """Replace the file at once (the receiver never reads half of it); this user alone reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(secrets, out, indent=2)
    os.replace(temporary, path)


def seed_endpoints(
    base_url: str,
    receiver_url: str,
    secrets_file: Path,
    *,
    providers: tuple[str, ...] = PROVIDERS,
    settings=None,
    timeout: float = 10.0,
) -> dict[str, dict[str, str]]:
    """Each provider's demo endpoint at `<receiver_url>/<provider>`, its secret in `secrets_file`
    (idempotent: safe to run every start). Returns what the file holds."""
    kept = read_secrets(secrets_file)
    seeded: dict[str, dict[str, str]] = {}
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        for party in providers:
            bearer = demo.token(party, "admin", settings=settings)
            client.headers["Authorization"] = f"Bearer {bearer}"
            entry = _seed_endpoint(client, party, f"{receiver_url}/{party}", kept.get(party))
            if entry is not None:
                seeded[party] = entry
                write_secrets(secrets_file, seeded)  # at once: deliveries may be under way
    return seeded


def _seed_endpoint(
    client: httpx.Client, party: str, url: str, kept: dict[str, str] | None
) -> dict[str, str] | None:
    endpoint = _demo_endpoint(client)
    if endpoint is None:
        return _register(client, party, url)
    if endpoint["url"] != url:  # the receiver's port changed
        moved = client.patch(
            f"/endpoints/{endpoint['id']}",
            json={"url": url},
            headers={"If-Match": f'"{endpoint["version"]}"'},
        )
        _check(moved, f"moving {party}'s demo endpoint to {url}")
    if kept is not None and kept.get("endpoint") == endpoint["id"]:
        log.info("demo webhook endpoint of %s: kept", party)
        return kept
    rotated = client.post(f"/endpoints/{endpoint['id']}/rotate-secret", json={"overlap_seconds": 0})
    _check(rotated, f"rotating the secret of {party}'s demo endpoint (its kept copy is gone)")
    log.info("demo webhook endpoint of %s: secret rotated", party)
    return {"endpoint": endpoint["id"], "secret": rotated.json()["secret"]}


def _register(client: httpx.Client, party: str, url: str) -> dict[str, str] | None:
    body = {"url": url, "description": DESCRIPTION, "event_types": ["*"]}
    # The key names the URL: the same request again is answered again, a moved receiver is new.
    key = f"seed-webhook-{party}-{hashlib.sha256(url.encode()).hexdigest()[:16]}"
    created = client.post("/endpoints", json=body, headers={"Idempotency-Key": key})
    if created.status_code == 409:
        # The answer to this key is stored, but its endpoint has been deleted since: respect it.
        log.warning("demo webhook endpoint of %s was deleted: %s", party, created.text[:300])
        return None
    _check(created, f"registering {party}'s demo endpoint at {url}")
    log.info("demo webhook endpoint of %s: registered", party)
    answer = created.json()
    return {"endpoint": answer["id"], "secret": answer["secret"]}


def _demo_endpoint(client: httpx.Client) -> dict[str, Any] | None:
    """The caller's endpoint the seed registered, if any."""
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = client.get("/endpoints", params=params)
        _check(page, "listing endpoints")
        for endpoint in page.json()["items"]:
            if endpoint["description"] == DESCRIPTION:
                return endpoint
        cursor = page.json()["next_cursor"]
        if not cursor:
            return None


def _check(response: httpx.Response, what: str) -> None:
    if not 200 <= response.status_code < 300:
        raise RuntimeError(
            f"{what}: {response.request.method} {response.request.url} -> "
            f"{response.status_code} {response.text[:500]}"
        )
