"""Service settings from the environment, one shape for every service.

`DATABASE_URL` names a PostgreSQL *server*; each service keeps its own database on it
(`village_<service>`) unless `<SERVICE>_DATABASE_URL` names one outright.
"""

from __future__ import annotations

import os
from functools import cached_property
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEV_JWT_SECRET = "village-dev-secret-change-me-in-production-0123456789"
DEV_SERVICE_SECRET = "village-dev-service-secret-never-use-in-production-0123456789"
SERVICE_ISSUER = "village-services"  # the issuer and audience of service tokens, never a party's
MIN_SECRET_BYTES = 32  # HS256 keys shorter than the hash are guessable (RFC 7518 section 3.2)
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service: str = Field(default="incidents", description="service name, e.g. incidents")
    # "development" turns the HS256 development tokens on; it is never assumed (see identity.md).
    environment: str = Field(default="", alias="VILLAGE_ENV")
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5433/postgres", alias="DATABASE_URL"
    )
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092", alias="KAFKA_BOOTSTRAP_SERVERS")
    # The embedded broker (tansu) does not implement the idempotent producer; Apache Kafka does.
    kafka_enable_idempotence: bool = Field(default=False, alias="KAFKA_ENABLE_IDEMPOTENCE")
    kafka_replication_factor: int = Field(default=1, alias="KAFKA_REPLICATION_FACTOR")
    kafka_min_insync_replicas: int = Field(default=1, alias="KAFKA_MIN_INSYNC_REPLICAS")
    # Partitions of each topic this service creates (existing topics keep theirs): the most
    # replicas of one consumer that can share a topic's work. Raise it before the topics exist.
    kafka_partitions: int = Field(default=6, alias="KAFKA_PARTITIONS")
    # How soon a consumer group hands a silent member's partitions (a killed replica's) to the
    # others: after the session timeout. Unset: aiokafka's 10 s (heartbeats every 3 s).
    kafka_session_timeout_ms: int | None = Field(
        default=None, ge=100, alias="KAFKA_SESSION_TIMEOUT_MS"
    )
    kafka_heartbeat_interval_ms: int | None = Field(
        default=None, ge=10, alias="KAFKA_HEARTBEAT_INTERVAL_MS"
    )
    # Prefixed to every topic name and consumer group: several Village environments (or test
    # runs) on one cluster.
    # Legal topic characters, short enough that every provider's topic name stays legal (topics.py).
    kafka_topic_prefix: str = Field(
        default="", max_length=100, pattern=r"^[A-Za-z0-9._-]*$", alias="KAFKA_TOPIC_PREFIX"
    )
    jwt_secret: str = Field(default=DEV_JWT_SECRET, alias="VILLAGE_JWT_SECRET")
    jwt_issuer: str = Field(default="village", alias="VILLAGE_JWT_ISSUER")
    jwt_audience: str = Field(default="village", alias="VILLAGE_JWT_AUDIENCE")
    # Production identity: the identity provider's key set; its tokens name the party in a claim.
    jwks_url: str | None = Field(default=None, alias="VILLAGE_JWKS_URL")
    jwt_algorithms: str = Field(default="RS256,ES256", alias="VILLAGE_JWT_ALGORITHMS")
    jwks_cache_seconds: float = Field(default=300.0, gt=0, alias="VILLAGE_JWKS_CACHE_SECONDS")
    jwks_refresh_seconds: float = Field(default=10.0, ge=0, alias="VILLAGE_JWKS_REFRESH_SECONDS")
    party_claim: str = Field(default="party", alias="VILLAGE_PARTY_CLAIM")
    roles_claim: str = Field(default="roles", alias="VILLAGE_ROLES_CLAIM")
    # Services call each other with tokens signed by this key, which no party ever holds.
    service_secret: str = Field(default=DEV_SERVICE_SECRET, alias="VILLAGE_SERVICE_SECRET")
    # Keys still accepted (not signed with) while the service key is rotated, comma-separated.
    service_accepted_secrets: str = Field(default="", alias="VILLAGE_SERVICE_ACCEPTED_SECRETS")
    idempotency_ttl_hours: int = Field(default=24, alias="VILLAGE_IDEMPOTENCY_TTL_HOURS")
    relay_poll_seconds: float = Field(default=1.0, alias="VILLAGE_RELAY_POLL_SECONDS")
    # How long a stopping service waits for its background tasks to finish (a consumer its
    # fetch, a relay its batch) before it cancels them: below a supervisor's kill (Kubernetes'
    # 30 s grace, the dev stack's 20 s), so the service exits on its own and says which hung.
    shutdown_grace_seconds: float = Field(
        default=10.0, gt=0, alias="VILLAGE_SHUTDOWN_GRACE_SECONDS"
    )
    relay_batch_size: int = Field(default=500, alias="VILLAGE_RELAY_BATCH_SIZE")
    # Where consumers of the incidents topic read its feed (gap healing, rebuilds).
    incidents_url: str = Field(default="http://127.0.0.1:8001", alias="INCIDENTS_URL")
    # Where consumers of the SLA topic read its feed; the escalation service calls incidents' API.
    sla_monitor_url: str = Field(default="http://127.0.0.1:8003", alias="SLA_MONITOR_URL")
    # Where consumers of the escalation and knowledge topics (the webhook dispatcher) read theirs.
    escalation_url: str = Field(default="http://127.0.0.1:8002", alias="ESCALATION_URL")
    knowledge_url: str = Field(default="http://127.0.0.1:8004", alias="KNOWLEDGE_URL")
    # Where consumers of the webhooks topic (delivery outcomes: the console) read its feed.
    webhooks_url: str = Field(default="http://127.0.0.1:8005", alias="WEBHOOKS_URL")
    host: str = Field(default="127.0.0.1", alias="VILLAGE_HOST")
    port: int = Field(default=8001)
    # Replicas on one host share `port` (SO_REUSEPORT, Linux: the kernel spreads new connections
    # over them); each may answer on a port of its own as well (to check that replica's health).
    reuse_port: bool = Field(default=False, alias="VILLAGE_REUSE_PORT")
    instance_port: int | None = Field(default=None, alias="VILLAGE_INSTANCE_PORT")
    otlp_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    log_level: str = Field(default="INFO", alias="VILLAGE_LOG_LEVEL")
    # Request limits, checked before parsing and authentication (village_platform.limits).
    max_body_bytes: int = Field(default=1_048_576, ge=1, alias="VILLAGE_MAX_BODY_BYTES")
    max_header_bytes: int = Field(default=16_384, ge=1024, alias="VILLAGE_MAX_HEADER_BYTES")
    max_json_depth: int = Field(default=32, ge=1, alias="VILLAGE_MAX_JSON_DEPTH")
    # A database that does not answer: a 503 problem within seconds, not a 500 after a minute.
    db_connect_timeout_seconds: float = Field(
        default=3.0, gt=0, alias="VILLAGE_DB_CONNECT_TIMEOUT_SECONDS"
    )
    db_pool_timeout_seconds: float = Field(
        default=3.0, gt=0, alias="VILLAGE_DB_POOL_TIMEOUT_SECONDS"
    )
    # Parties' commands one process runs at once (writes.py); the services' own never wait for
    # them. Below the pool (20 + 20 overflow), so a service's command finds a connection. 8, not
    # 16: in the surge the opens taken stayed within the runs' spread while escalation's
    # decisions were applied 5-8 times sooner (p99), every other lag shorter too
    # (docs/benchmarks.md); (a) did not move.
    party_write_concurrency: int = Field(default=8, ge=0, alias="VILLAGE_PARTY_WRITE_CONCURRENCY")
    db_statement_timeout_seconds: float = Field(
        default=3.0, gt=0, alias="VILLAGE_DB_STATEMENT_TIMEOUT_SECONDS"
    )
    retry_after_seconds: int = Field(default=5, ge=1, alias="VILLAGE_RETRY_AFTER_SECONDS")
    # True when database_url already names the service's own database.
    database_is_own: bool = False

    @classmethod
    def for_service(cls, service: str, port: int, **overrides: object) -> Settings:
        """Settings for one service; `<SERVICE>_DATABASE_URL` and `<SERVICE>_PORT` win."""
        prefix = service.upper().replace("-", "_")
        values: dict[str, object] = {"service": service, "port": port}
        if url := os.environ.get(f"{prefix}_DATABASE_URL"):
            values["DATABASE_URL"] = url
            values["database_is_own"] = True
        if p := os.environ.get(f"{prefix}_PORT"):
            values["port"] = int(p)
        values.update(overrides)
        return cls(**values)

    @cached_property
    def service_database_url(self) -> str:
        """The service's own database, as an SQLAlchemy asyncpg URL."""
        url = make_url(self.database_url)
        if not self.database_is_own:
            url = url.set(database=f"village_{self.service.replace('-', '_')}")
        return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)

    @cached_property
    def server_database_url(self) -> str:
        """The maintenance database on the same server, for CREATE DATABASE."""
        url = make_url(self.service_database_url).set(database="postgres")
        return url.render_as_string(hide_password=False)

    @property
    def group_options(self) -> dict[str, int]:
        """Consumer-group timing for aiokafka, as far as it is configured."""
        options = {
            "session_timeout_ms": self.kafka_session_timeout_ms,
            "heartbeat_interval_ms": self.kafka_heartbeat_interval_ms,
        }
        return {k: v for k, v in options.items() if v is not None}

    def topic(self, name: str) -> str:
        """The topic `name` (e.g. village.incidents.v1) as this environment names it."""
        return f"{self.kafka_topic_prefix}{name}"

    def group(self, name: str) -> str:
        """The consumer group of consumer `name` as this environment names it: two environments
        on one broker must not share a group (each join would rebalance the other's members,
        and a member it lost would stall both until its session timed out)."""
        return f"{self.kafka_topic_prefix}{name}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_development(self) -> bool:
        """Asked for explicitly (VILLAGE_ENV=development): development tokens are accepted."""
        return self.environment == "development"

    @property
    def allowed_jwt_algorithms(self) -> list[str]:
        return [a.strip() for a in self.jwt_algorithms.split(",") if a.strip()]

    @property
    def service_verification_keys(self) -> list[str]:
        """The service key first, then the keys accepted during a rotation."""
        accepted = [s.strip() for s in self.service_accepted_secrets.split(",") if s.strip()]
        return [self.service_secret, *accepted]

    @model_validator(mode="after")
    def _identity_is_configured(self) -> Settings:
        # The development secrets are public (they are in this file): tokens signed with them
        # prove nothing, so only an explicit development mode accepts them. Anything else
        # verifies party tokens with the identity provider's keys.
        problems = identity_problems(self)
        if problems:
            raise ValueError("identity is not configured safely: " + "; ".join(problems))
        return self


def identity_problems(settings: Settings) -> list[str]:
    """Why a service with these settings must not start (empty: it may)."""
    found = []
    service_keys = settings.service_verification_keys
    named = [
        ("VILLAGE_JWT_SECRET", settings.jwt_secret),
        ("VILLAGE_SERVICE_SECRET", service_keys[0]),
    ]
    named += [("VILLAGE_SERVICE_ACCEPTED_SECRETS", key) for key in service_keys[1:]]
    for name, secret in named:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            found.append(f"{name} must be at least {MIN_SECRET_BYTES} bytes")
    if settings.jwt_secret in service_keys:
        found.append("VILLAGE_SERVICE_SECRET must differ from VILLAGE_JWT_SECRET")
    if not settings.is_development:
        if not settings.jwks_url:
            found.append(
                "set VILLAGE_JWKS_URL to your identity provider's JWKS URL, or "
                "VILLAGE_ENV=development to use development tokens"
            )
        if DEV_SERVICE_SECRET in service_keys:
            found.append("set VILLAGE_SERVICE_SECRET to a secret of your own (not the default)")
    if settings.jwks_url and not _trusted_url(settings.jwks_url):
        found.append("VILLAGE_JWKS_URL must be https (plain http only on a loopback address)")
    algorithms = settings.allowed_jwt_algorithms
    if not algorithms or not ASYMMETRIC_ALGORITHMS.issuperset(algorithms):
        found.append(
            f"VILLAGE_JWT_ALGORITHMS takes asymmetric algorithms only, some of "
            f"{', '.join(sorted(ASYMMETRIC_ALGORITHMS))}"
        )
    if settings.jwt_issuer == SERVICE_ISSUER:
        found.append(f"VILLAGE_JWT_ISSUER must not be {SERVICE_ISSUER!r} (the services' issuer)")
    return found


def _trusted_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
    )
