"""The knowledge service's measurement (h): search latency over a large knowledge base, and how
long a new incident waits for its suggestions.

Real services: an incidents service (demo parties) and a knowledge service as subprocesses on
databases of their own, topics under a per-run prefix. The knowledge base is `articles` generated
articles (fixed seed: the same corpus every run) of acme, a third each for the provider, partners
and public audiences, bulk-loaded before the service starts: their drafted and published events
through `EventStore.append_streams` (marked published: the corpus is not replayed onto the topic)
and the read model (articles, versions, search index) with one unnest statement per table per
batch, as the projection would write them.

Search: `queries` queries of 1-4 words from the corpus vocabulary (one in five with a typo), sent
one after another as northwind (a partner: the audience filter applies), timed by the client
from request to response. Suggestions: `incidents` incidents opened through the incidents API at
`rate` per second; a plain consumer of `village.knowledge.v1` times each incident's public
`suggestions_made` event from the POST being sent.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from village_devstack import demo
from village_devstack.services import INCIDENTS, KNOWLEDGE
from village_platform.http import service_client

from .cpu import CpuUsage
from .stack import BenchStack
from .stats import Latency

KNOWLEDGE_TOPIC = "village.knowledge.v1"
SEED = 20261124
BATCH = 5000

PRODUCTS = ("routers", "firewalls", "switches", "wifi", "sso", "backups")
TERMS = (
    "tunnel",
    "ipsec",
    "ike",
    "rekey",
    "bgp",
    "ospf",
    "neighbor",
    "hold",
    "timer",
    "cpu",
    "memory",
    "leak",
    "firmware",
    "upgrade",
    "failover",
    "cluster",
    "heartbeat",
    "nat",
    "pool",
    "port",
    "exhaustion",
    "policy",
    "rule",
    "shadowed",
    "certificate",
    "inspection",
    "tls",
    "license",
    "signature",
    "spanning",
    "tree",
    "loop",
    "broadcast",
    "storm",
    "stack",
    "master",
    "poe",
    "budget",
    "roaming",
    "saml",
    "assertion",
    "clock",
    "skew",
    "mfa",
    "lockout",
    "backup",
    "restore",
    "rollback",
    "dhcp",
    "scope",
    "lease",
    "dns",
    "resolver",
    "timeout",
    "lte",
    "wan",
    "mtu",
    "fragmentation",
    "mss",
    "latency",
    "jitter",
    "packet",
    "loss",
    "interface",
    "crc",
    "errors",
    "duplex",
    "vlan",
    "trunk",
    "acl",
    "syslog",
    "snmp",
    "ntp",
    "radius",
    "tacacs",
    "ssh",
    "https",
    "api",
    "webhook",
    "telemetry",
    "flow",
    "qos",
    "voice",
    "multicast",
    "igmp",
    "arp",
    "mac",
    "table",
    "overflow",
    "route",
    "static",
    "default",
    "gateway",
    "redundancy",
    "vrrp",
    "hsrp",
    "power",
    "supply",
    "fan",
    "temperature",
    "reboot",
    "crash",
    "core",
    "dump",
    "config",
    "drift",
    "template",
    "zero",
    "touch",
)
VERBS = (
    "drops",
    "flaps",
    "fails",
    "stalls",
    "resets",
    "hangs",
    "leaks",
    "rejects",
    "times out",
    "slows down",
)
FILLER = ("after", "when", "during", "on", "with", "since", "because", "under", "while")


def corpus(n: int, seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.sample(TERMS, 6)
        product = PRODUCTS[i % len(PRODUCTS)]
        title = (
            f"{words[0].title()} {words[1]} {rng.choice(VERBS)} {rng.choice(FILLER)} "
            f"{words[2]} {words[3]}"
        )
        sentences = [
            " ".join(
                [
                    rng.choice(TERMS) if rng.random() < 0.6 else rng.choice(FILLER)
                    for _ in range(rng.randint(8, 16))
                ]
            ).capitalize()
            + "."
            for _ in range(rng.randint(4, 9))
        ]
        out.append(
            {
                "title": title,
                "body": " ".join(sentences),
                "audience": ("provider", "partners", "public")[i % 3],
                "products": [product],
                "tags": [words[4], words[5]],
                "symptoms": [f"{words[1]} {rng.choice(VERBS)}", f"{words[2]} {words[3]} errors"],
                "resolution_steps": [f"Check the {words[4]}", f"Reset the {words[5]}"],
            }
        )
    return out


def queries(n: int, seed: int = SEED + 1) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.sample(TERMS, rng.randint(1, 4))
        if rng.random() < 0.2:  # a typo: one letter dropped
            w = words[0]
            if len(w) > 4:
                k = rng.randrange(1, len(w) - 1)
                words[0] = w[:k] + w[k + 1 :]
        out.append(" ".join(words))
    return out


async def load(database: str, articles: list[dict[str, Any]]) -> float:
    """Bulk-load the corpus as events and read model; returns seconds."""
    from sqlalchemy import text

    from village_knowledge.projection import index_row
    from village_platform.clock import SystemClock
    from village_platform.db import make_engine
    from village_platform.eventstore import EventStore, NewEvent
    from village_platform.settings import Settings

    settings = Settings(service="knowledge", port=0, DATABASE_URL=database, database_is_own=True)
    engine = make_engine(settings, statement_timeout=None)  # a bulk load
    store = EventStore(SystemClock())
    began = time.perf_counter()
    now = datetime.now(UTC)
    try:
        for start in range(0, len(articles), BATCH):
            appends, rows = {}, []
            for content in articles[start : start + BATCH]:
                aid = str(uuid.uuid4())
                meta = {
                    "parties": ["acme"],
                    "visibility": "restricted",
                    "actor_party": "acme",
                    "actor_user": "bench",
                }
                published_meta = (
                    {
                        "parties": ["acme", "contoso", "initech", "northwind", "umbrella"],
                        "visibility": "shared",
                    }
                    if content["audience"] == "public"
                    else meta
                )
                appends[f"article:{aid}"] = [
                    NewEvent(
                        "village.knowledge.article_drafted.v1",
                        {
                            "article_id": aid,
                            "author_party": "acme",
                            "provider": "acme",
                            "version": 1,
                            "content": content,
                        },
                        metadata=meta,
                    ),
                    NewEvent(
                        "village.knowledge.article_published.v1",
                        {
                            "article_id": aid,
                            "version": 1,
                            "author_party": "acme",
                            "provider": "acme",
                            "content": content,
                        },
                        metadata=published_meta,
                    ),
                ]
                rows.append((aid, content))
            async with engine.begin() as conn:
                await store.append_streams(conn, appends, {})
                ids = [uuid.UUID(a) for a, _ in rows]
                contents = [json.dumps(c) for _, c in rows]
                await conn.execute(
                    text(
                        "INSERT INTO articles (article_id, author_party, provider, status,"
                        " stream_version, version,"
                        " content, published_version, published, audience, created_at, updated_at)"
                        " SELECT id, 'acme', 'acme', 'published', 2, 1, c::jsonb, 1, c::jsonb,"
                        " c::jsonb->>'audience', :t, :t"
                        " FROM unnest(CAST(:ids AS uuid[]), CAST(:c AS text[])) AS u(id, c)"
                    ),
                    {"ids": ids, "c": contents, "t": now},
                )
                await conn.execute(
                    text(
                        "INSERT INTO article_versions"
                        " (article_id, version, content, recorded_at, recorded_by)"
                        " SELECT id, 1, c::jsonb, :t, 'acme/bench'"
                        " FROM unnest(CAST(:ids AS uuid[]), CAST(:c AS text[])) AS u(id, c)"
                    ),
                    {"ids": ids, "c": contents, "t": now},
                )
                idx = [
                    index_row(a, "acme", c, 1, now)
                    for a, c in zip(ids, (c for _, c in rows), strict=True)
                ]
                await conn.execute(
                    text(
                        "INSERT INTO search_docs (article_id, provider, audience, title, body,"
                        " symptoms, steps, tags_text,"
                        " products, tags, version, published_at)"
                        " SELECT u.id, 'acme', u.audience, u.title, u.body, u.symptoms, u.steps,"
                        " u.tags_text,"
                        " string_to_array(u.products, ' '), string_to_array(u.tags, ' '), 1, :t"
                        " FROM unnest(CAST(:ids AS uuid[]), CAST(:aud AS text[]),"
                        " CAST(:title AS text[]), CAST(:body AS text[]),"
                        " CAST(:sym AS text[]), CAST(:steps AS text[]), CAST(:tt AS text[]),"
                        " CAST(:prod AS text[]),"
                        " CAST(:tags AS text[]))"
                        " AS u(id, audience, title, body, symptoms, steps, tags_text,"
                        " products, tags)"
                    ),
                    {
                        "ids": ids,
                        "aud": [r["audience"] for r in idx],
                        "title": [r["title"] for r in idx],
                        "body": [r["body"] for r in idx],
                        "sym": [r["symptoms"] for r in idx],
                        "steps": [r["steps"] for r in idx],
                        "tt": [r["tags_text"] for r in idx],
                        "prod": [" ".join(r["products"]) for r in idx],
                        "tags": [" ".join(r["tags"]) for r in idx],
                        "t": now,
                    },
                )
        async with engine.begin() as conn:
            # The corpus is history, not news: marked published so the relay does not replay it.
            await conn.execute(
                text(
                    "UPDATE events e SET position = n.p, published_at = :t FROM"
                    " (SELECT id, row_number() OVER (ORDER BY id) AS p FROM events) n"
                    " WHERE e.id = n.id"
                ),
                {"t": now},
            )
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in (
                "events",
                "articles",
                "article_versions",
                "search_docs",
            ):  # the position UPDATE left dead rows
                await conn.execute(text(f"VACUUM ANALYZE {table}"))
        return time.perf_counter() - began
    finally:
        await engine.dispose()


@dataclass
class KnowledgeResult:
    articles: int
    load_seconds: float = 0.0
    search: list[float] = field(default_factory=list)
    hits: int = 0
    empty: int = 0
    suggestions: list[float] = field(default_factory=list)
    incidents: int = 0
    missing: int = 0
    errors: list[str] = field(default_factory=list)
    cpu: CpuUsage | None = None  # from the first open until the last suggestions arrived


async def measure(
    stack: BenchStack,
    *,
    articles: int,
    searches: int,
    incidents: int,
    rate: float,
    run: str,
    fetch_max_wait_ms: int,
) -> KnowledgeResult:
    from aiokafka import TopicPartition

    prefix = f"bench{run}h."
    result = KnowledgeResult(articles)
    incidents_db = await asyncio.to_thread(stack.migrate_database, "kb-incidents")
    knowledge_db = await asyncio.to_thread(stack.migrate_database, "knowledge", KNOWLEDGE)
    print(f"  (h) loading {articles:,} generated articles ...", flush=True)
    result.load_seconds = await load(knowledge_db, corpus(articles))
    print(f"  (h) loaded in {result.load_seconds:.1f} s", flush=True)
    services = []
    consumer = stack.plain_consumer(f"village-bench-{run}-knowledge", fetch_max_wait_ms)
    await consumer.start()
    try:
        inc = await asyncio.to_thread(
            stack.start_on,
            INCIDENTS,
            incidents_db,
            "incidents-knowledge",
            KAFKA_TOPIC_PREFIX=prefix,
        )
        services.append(inc)
        await asyncio.to_thread(demo.seed_parties, inc.url)
        kb = await asyncio.to_thread(
            stack.start_on,
            KNOWLEDGE,
            knowledge_db,
            "knowledge",
            KAFKA_TOPIC_PREFIX=prefix,
            INCIDENTS_URL=inc.url,
        )
        services.append(kb)
        print(f"  (h) incidents pid {inc.pid}, knowledge pid {kb.pid}", flush=True)
        northwind = {"Authorization": f"Bearer {demo.token('northwind')}"}
        async with httpx.AsyncClient(
            base_url=kb.url, timeout=60, trust_env=False, headers=northwind
        ) as client:
            for q in queries(20, SEED + 2):  # warm-up, not measured
                await client.get("/search", params={"q": q})
            for q in queries(searches):
                began = time.perf_counter()
                response = await client.get("/search", params={"q": q})
                result.search.append(time.perf_counter() - began)
                if response.status_code != 200:
                    result.errors.append(
                        f"search {q!r}: {response.status_code} {response.text[:200]}"
                    )
                elif response.json()["items"]:
                    result.hits += 1
                else:
                    result.empty += 1
        print(
            f"  (h) {searches} searches done; opening {incidents} incidents at {rate:.0f}/s ...",
            flush=True,
        )

        await stack.ensure_topics(prefix, [KNOWLEDGE_TOPIC])
        topic = prefix + KNOWLEDGE_TOPIC
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)
        sent: dict[str, float] = {}
        arrived: dict[str, float] = {}
        stop = asyncio.Event()

        async def consume() -> None:
            while not stop.is_set():
                for messages in (await consumer.getmany(timeout_ms=50, max_records=1000)).values():
                    now = time.time()
                    for msg in messages:
                        headers = {k: v.decode() for k, v in msg.headers if k.startswith("ce_")}
                        if (
                            headers.get("ce_type") == "village.knowledge.suggestions_made.v1"
                            and headers.get("ce_visibility") == "shared"
                        ):
                            arrived.setdefault(headers["ce_subject"], now)

        consuming = asyncio.create_task(consume())
        rng = random.Random(SEED + 3)
        async with service_client(base_url=inc.url, timeout=60, headers=northwind) as client:

            async def open_one(i: int) -> None:
                words = rng.sample(TERMS, 5)
                body = {
                    "title": f"{words[0]} {words[1]} {rng.choice(VERBS)}",
                    "severity": "S3",
                    "description": f"{' '.join(words)} since this morning",
                    "product": rng.choice(PRODUCTS),
                    "customer": "initech",
                }
                began = time.time()
                response = await client.post("/incidents", json=body)
                if response.status_code != 201:
                    result.errors.append(f"open {i}: {response.status_code} {response.text[:200]}")
                    return
                sent[response.json()["id"]] = began

            meter = stack.meter(incidents=inc.pid, knowledge=kb.pid)
            before = meter.sample()
            tasks = []
            start = time.perf_counter()
            for i in range(incidents):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(open_one(i)))
            await asyncio.gather(*tasks)
        deadline = time.time() + 60 + incidents / 5  # a backlog may take minutes to drain
        while time.time() < deadline and not all(i in arrived for i in sent):
            await asyncio.sleep(0.1)
        result.cpu = meter.usage(before, meter.sample())
        stop.set()
        await consuming
        result.incidents = len(sent)
        result.suggestions = [arrived[i] - t for i, t in sent.items() if i in arrived]
        result.missing = len(sent) - len(result.suggestions)
        return result
    finally:
        await consumer.stop()
        for service in reversed(services):
            await asyncio.to_thread(stack.stop, service)


def rows(g: KnowledgeResult | None) -> list[Any]:
    from .report import Row, _cpu_per, _ms

    if g is None:
        return []
    search, suggest = Latency.of(g.search), Latency.of(g.suggestions)
    ok = not g.errors and g.missing == 0
    return [
        Row(
            f"(h) knowledge search p50 / p99 over {g.articles:,} articles "
            f"({len(g.search)} queries of 1-4 words, a fifth misspelt, as a partner; "
            f"{g.hits} with hits)",
            f"{_ms(search.p50_ms)} / {_ms(search.p99_ms)} (max {_ms(search.max_ms)})",
            "(report)",
        ),
        Row(
            f"(h) incident opened (POST sent) → its suggestions event received, "
            f"{g.incidents} incidents",
            f"{_ms(suggest.p50_ms)} / {_ms(suggest.p99_ms)} (max {_ms(suggest.max_ms)})",
            "(report)",
        ),
        Row(
            "(h)   corpus bulk load (events + read model); suggestions missing; errors",
            f"{g.load_seconds:.1f} s; {g.missing}; {len(g.errors)}",
            "all 0",
            "pass" if ok else "FAIL",
        ),
        *(
            [Row("(h)   " + _cpu_per(g.cpu, g.incidents, "incident (open, suggest)"), "")]
            if g.cpu is not None and g.incidents
            else []
        ),
    ]
