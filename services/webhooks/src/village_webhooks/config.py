"""The webhooks service's settings: the platform's, plus how deliveries are retried and
checked (all from the environment)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator

from village_platform.settings import Settings

from .sealing import DEV_SECRET_KEY, Sealer, parse_keys

SERVICE = "webhooks"
PORT = 8005


class WebhookSettings(Settings):
    # Networks a target may resolve into although private/loopback/...: e.g. "127.0.0.0/8,::1/128".
    allowed_networks: str = Field(default="", alias="WEBHOOKS_ALLOWED_NETWORKS")
    retry_base_seconds: float = Field(default=5.0, alias="WEBHOOKS_RETRY_BASE_SECONDS")
    retry_cap_seconds: float = Field(default=3600.0, alias="WEBHOOKS_RETRY_CAP_SECONDS")
    max_age_seconds: float = Field(default=86400.0, alias="WEBHOOKS_MAX_AGE_SECONDS")
    timeout_seconds: float = Field(default=10.0, alias="WEBHOOKS_TIMEOUT_SECONDS")
    # A claimed delivery is left to others after this long (a dispatcher that died mid-request).
    lease_seconds: float = Field(default=60.0, alias="WEBHOOKS_LEASE_SECONDS")
    concurrency: int = Field(default=64, alias="WEBHOOKS_CONCURRENCY")
    per_endpoint_concurrency: int = Field(default=8, alias="WEBHOOKS_PER_ENDPOINT_CONCURRENCY")
    # How often the dispatcher looks for work nothing woke it for: another replica's retries,
    # the leases of a replica that died (its own new deliveries, answers and retries wake it).
    poll_seconds: float = Field(default=1.0, alias="WEBHOOKS_POLL_SECONDS")
    # How long a fetch waits for records: the broker answers at the latest then (tansu looks
    # again only after half the wait left), so it bounds the latency an event adds on its way
    # in; aiokafka's default is 500.
    fetch_max_wait_ms: int = Field(default=100, alias="WEBHOOKS_FETCH_MAX_WAIT_MS")
    # ... and while events keep coming, this long (0: always the above). Apache Kafka answers a
    # fetch as soon as a record arrives, so there it only adds fetches: set 0 (deploy/ does).
    fetch_busy_wait_ms: int = Field(default=10, ge=0, alias="WEBHOOKS_FETCH_BUSY_WAIT_MS")
    # Its consumers are `<prefix>-<topic family>` (their groups behind KAFKA_TOPIC_PREFIX).
    consumer_prefix: str = Field(default="webhooks", alias="WEBHOOKS_CONSUMER_PREFIX")
    # Fernet keys sealing the signing secrets at rest, comma-separated, newest first: the first
    # seals, all open (rotation: sealing.py). The default is public, for development only.
    secret_keys: str = Field(default=DEV_SECRET_KEY, alias="WEBHOOKS_SECRET_KEYS", repr=False)

    @model_validator(mode="after")
    def _secret_keys_of_your_own(self) -> WebhookSettings:
        keys = parse_keys(self.secret_keys)
        if DEV_SECRET_KEY in keys and not self.development:
            raise ValueError(
                f"VILLAGE_ENV={self.environment} needs WEBHOOKS_SECRET_KEYS of your own: the"
                " development key is public (generate one: village-webhooks new-key)"
            )
        return self

    def sealer(self) -> Sealer:
        return Sealer(parse_keys(self.secret_keys))

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def max_age(self) -> timedelta:
        return timedelta(seconds=self.max_age_seconds)


def settings_from_env() -> WebhookSettings:
    return WebhookSettings.for_service(SERVICE, PORT)
