"""What the webhooks service's tests share: the development sealer, events as the consumer
hands them over, settings with a database of their own (the `engine` fixture: conftest.py),
TLS certificates from a test CA, and a rebinding DNS behind the Resolver port."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from village_platform.applier import ConsumedEvent
from village_platform.clock import ManualClock
from village_webhooks.config import WebhookSettings
from village_webhooks.domain.targets import Address, TargetRefused
from village_webhooks.sealing import DEV_SECRET_KEY, Sealer

SEALER = Sealer([DEV_SECRET_KEY])


def fresh_settings(stack: Any, **values: Any) -> WebhookSettings:
    """Settings of a webhooks service with a database of its own on the test stack."""
    return WebhookSettings(
        service="webhooks",
        port=0,
        DATABASE_URL=stack.database(f"wh_{uuid.uuid4().hex[:8]}"),
        database_is_own=True,
        KAFKA_BOOTSTRAP_SERVERS=stack.kafka_bootstrap,
        **values,
    )


def event(
    subject: str,
    sequence: int,
    clock: ManualClock,
    *,
    visibility: str = "shared",
    parties: tuple[str, ...] = ("acme", "northwind", "initech"),
    actor: str = "northwind",
    type: str = "village.incident.note_added.v1",
) -> ConsumedEvent:
    return ConsumedEvent(
        id=str(uuid.uuid4()),
        type=type,
        source="/village/incidents",
        stream_id=subject,
        sequence=sequence,
        position=None,
        time=clock.now(),
        data={"n": sequence},
        visibility=visibility,
        parties=list(parties),
        actor_party=actor,
        traceparent=None,
    )


def certificates(directory: Path, name: str) -> tuple[str, str, str]:
    """A test CA and a server certificate for `name` signed by it, as PEM files in `directory`:
    (certificate, key, CA certificate)."""
    now = datetime.now(UTC)

    def issue(
        subject: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Name,
        signer: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Village test CA")])
    ca_cert = issue("Village test CA", ca_key, ca_name, ca_key, ca=True)
    server_cert = issue(name, server_key, ca_name, ca_key, ca=False)
    paths = directory / f"{name}.pem", directory / f"{name}.key", directory / "ca.pem"
    paths[0].write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths[2].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return str(paths[0]), str(paths[1]), str(paths[2])


class RebindingResolver:
    """An attacker's DNS, as the Resolver port: each name answers its addresses in turn, one
    per query, the last one for good (a TTL of 0 lets it change its answer at every query)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.queries: list[str] = []

    async def resolve(self, host: str, port: int) -> list[Address]:
        asked = sum(1 for q in self.queries if q == host)
        self.queries.append(host)
        if host not in self.answers:
            raise TargetRefused(f"{host} does not resolve")
        answers = self.answers[host]
        return [ipaddress.ip_address(answers[min(asked, len(answers) - 1)])]
