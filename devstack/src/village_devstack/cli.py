"""`village-dev`: the local stack in one command, and demo tokens.

village-dev run [--replicas N]  PostgreSQL + broker + every service (N processes of each), seeded,
                                and a demo webhook receiver; a process that dies is started
                                again; Ctrl-C stops all
village-dev token PARTY [--role ROLE]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from . import demo
from .services import SERVICES, WEBHOOK_RECEIVER, redacted

PG_PORT = 5433
KAFKA_PORT = 9092

log = logging.getLogger("village.dev")


class Shutdown(Exception):
    """Raised in the main thread by SIGINT/SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _say(message: str = "") -> None:
    print(message, flush=True)


def _repo_root() -> Path:
    """The workspace root (where .village/ lives): nearest parent with uv.lock, else cwd."""
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "uv.lock").exists() and (candidate / "devstack").is_dir():
            return candidate
    return here


def cmd_token(args: argparse.Namespace) -> int:
    try:
        token = demo.token(args.party, args.role)
    except demo.UnknownParty as exc:
        print(f"village-dev token: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(token + "\n")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from . import demo_webhooks
    from .broker import TansuBroker
    from .demo_receiver import receiver_process
    from .postgres import EmbeddedPostgres
    from .services import ServiceProcess, stack_env, start_side_by_side
    from .supervisor import Supervisor

    def on_signal(signum, _frame):
        raise Shutdown(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    root = _repo_root()
    state = root / ".village"
    logs = state / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    services: list[ServiceProcess] = []
    code = 0
    with ExitStack() as cleanup:
        try:
            database_url = os.environ.get("DATABASE_URL")
            if database_url:
                _say(f"PostgreSQL: using DATABASE_URL ({redacted(database_url)})")
            else:
                pg = EmbeddedPostgres(state / "pgdata", port=args.pg_port)
                _say(
                    f"PostgreSQL: starting on 127.0.0.1:{args.pg_port} (data in {pg.data_dir}) ..."
                )
                cleanup.callback(_stop, "PostgreSQL", pg.stop)
                pg.start()
                if pg.adopted:
                    _say(f"PostgreSQL: reusing the server already running on {pg.data_dir}")
                database_url = pg.url

            kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
            if kafka:
                _say(f"Kafka: using KAFKA_BOOTSTRAP_SERVERS ({kafka})")
            else:
                broker = TansuBroker(port=args.kafka_port, log_file=logs / "tansu.log")
                _say(f"Kafka: starting tansu on {broker.bootstrap} (memory storage) ...")
                cleanup.callback(_stop, "broker", broker.stop)
                broker.start()
                kafka = broker.bootstrap

            env = stack_env(database_url, kafka)
            # A developer's webhook receiver runs on this machine: allow loopback targets here,
            # explicitly (the dispatcher refuses them unless configured; set it empty to refuse).
            env.setdefault("WEBHOOKS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
            # The demo providers' endpoints deliver here. Started first and so stopped last: the
            # dispatcher never finds it gone while it runs.
            secrets, deliveries = state / "webhook-secrets.json", logs / "webhook-deliveries.jsonl"
            receiver = receiver_process(
                secrets,
                deliveries,
                env=env,
                port=args.webhook_receiver_port,
                log_file=logs / "webhook-receiver.log",
                cwd=root,
            )
            cleanup.callback(_stop, "webhook receiver", receiver.close)
            _say(f"webhook receiver: starting on {receiver.url} (log {receiver.log_file}) ...")
            receiver.start()
            # Every address is known before anything starts: a service finds the ones before
            # it at `<NAME>_URL`.
            groups = []
            for spec in SERVICES:
                replicas = _replicas(spec, args.replicas, env, logs, root, args.startup_timeout)
                groups.append(replicas)
                for replica in replicas:
                    services.append(replica)
                    cleanup.callback(_stop, replica.name, replica.close)
                env[f"{spec.env_prefix}_URL"] = replicas[0].url
            start_side_by_side(groups, say=_say)
            _say("webhooks: registering the demo providers' endpoints at the receiver ...")
            demo_webhooks.seed_endpoints(env["WEBHOOKS_URL"], receiver.url, secrets)
            _banner(services, database_url, kafka, receiver.url, deliveries)

            # A process that dies is started again (with backoff), so that a developer can kill
            # any one of them and watch the rest carry on and the stack heal.
            supervisor = Supervisor([*services, receiver], _say)
            while True:
                supervisor.check()
                time.sleep(0.5)
        except Shutdown as stop:
            _say(f"\n{stop}: stopping ...")
            code = 0
        except Exception as exc:  # noqa: BLE001 - report, clean up, exit non-zero
            print(f"\nvillage-dev run FAILED: {exc}", file=sys.stderr, flush=True)
            _say("stopping what was started ...")
            code = 1
        finally:
            # a second Ctrl-C must not abandon the cleanup half-way
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _say("stopped.")
    return code


def _replicas(spec, count: int, env, logs: Path, root: Path, startup_timeout: float) -> list:
    """`count` processes of `spec`. One: on its port, as ever. More: all on the service's port
    (SO_REUSEPORT spreads connections over them), replica i also on port + 10 * i of its own."""
    from .services import ServiceProcess

    port = int(os.environ.get(f"{spec.env_prefix}_PORT", spec.port))
    if count == 1:
        return [
            ServiceProcess(
                spec,
                env=env,
                port=port,
                log_file=logs / f"{spec.name}.log",
                cwd=root,
                startup_timeout=startup_timeout,
            )
        ]
    return [
        ServiceProcess(
            spec,
            env=env,
            port=port,
            log_file=logs / f"{spec.name}-{i}.log",
            cwd=root,
            startup_timeout=startup_timeout,
            replica=f"{spec.name}-{i}",
            instance_port=port + 10 * i,
        )
        for i in range(1, count + 1)
    ]


def _stop(what: str, stop) -> None:
    try:
        stop()
        _say(f"  {what} stopped")
    except Exception as exc:  # noqa: BLE001 - keep stopping the rest
        print(f"  {what}: stop failed: {exc}", file=sys.stderr, flush=True)


def _banner(services, database_url: str, kafka: str, receiver: str, deliveries: Path) -> None:
    providers = [p.id for p in demo.PARTIES if p.kind == "provider"]
    lines = ["", "Village is running.", ""]
    # The console first: the one URL a person opens.
    services = sorted(services, key=lambda s: s.spec.name != "console")
    for service in services:
        if service.replica and not service.replica.endswith("-1"):
            continue  # the first replica speaks for them all
        lines += [
            f"  {service.spec.name:<12} {service.url}",
            f"  {'':<12} {service.url}/docs   (OpenAPI)",
            f"  {'':<12} {service.url}/events (event feed, ?after=<position>)",
            f"  {'':<12} database {redacted(service.database_url)}",
        ]
        lines += [
            f"  {'':<12} replica {r.name}: pid {r.pid}, its own {r.instance_url}"
            for r in services
            if r.replica and r.spec is service.spec
        ]
    lines += [
        f"  {'kafka':<12} {kafka}",
        f"  {'':<12} each provider's tooling reads its own topics: "
        + ", ".join(f"village.{p}.*" for p in providers),
        f"  {'postgres':<12} {redacted(database_url)}",
        f"  {'receiver':<12} {receiver}/<provider>   (the demo webhook receiver)",
        f"  {'':<12} "
        + " and ".join(f"{p}'s" for p in providers)
        + " endpoints deliver every event type there; each delivery,",
        f"  {'':<12} verified with standardwebhooks, is a JSON line in {deliveries}",
        f"  {'logs':<12} {services[0].log_file.parent if services else ''}",
        "",
        "Demo tokens (paste into your shell):",
        "",
    ]
    for party in demo.PARTIES:
        lines.append(f"export TOKEN_{party.id.upper()}={demo.token(party.id, 'agent')}")
    lines.append(f"export TOKEN_ACME_ADMIN={demo.admin_token()}")
    lines += [
        "",
        *(
            f'  curl -H "Authorization: Bearer $TOKEN_NORTHWIND" {s.url}/incidents'
            for s in services
            if s.name in ("incidents", "incidents-1")
        ),
        "  more tokens: make -s token PARTY=<party> ROLE=<role>",
        "",
        "A process that dies is started again (kill one: `kill -9 <pid>`).",
        "Ctrl-C stops everything (PostgreSQL data is kept in .village/pgdata).",
    ]
    _say("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="village-dev",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start PostgreSQL, the broker and every service; Ctrl-C stops")
    run.add_argument("--pg-port", type=int, default=int(os.environ.get("VILLAGE_PG_PORT", PG_PORT)))
    run.add_argument(
        "--kafka-port", type=int, default=int(os.environ.get("VILLAGE_KAFKA_PORT", KAFKA_PORT))
    )
    run.add_argument(
        "--webhook-receiver-port",
        type=int,
        default=int(os.environ.get("VILLAGE_WEBHOOK_RECEIVER_PORT", WEBHOOK_RECEIVER.port)),
    )
    run.add_argument(
        "--replicas",
        type=int,
        default=int(os.environ.get("VILLAGE_REPLICAS") or 1),
        help="processes of each service (sharing its port; Linux)",
    )
    run.add_argument("--startup-timeout", type=float, default=90.0)
    run.set_defaults(func=cmd_run)
    tok = sub.add_parser("token", help="print a JWT for a demo party, nothing else")
    tok.add_argument("party", help=", ".join(demo.PARTIES_BY_ID))
    tok.add_argument("--role", default="agent")
    tok.set_defaults(func=cmd_token)
    args = parser.parse_args(argv)
    if args.command == "run" and args.replicas < 1:
        parser.error("--replicas must be at least 1")
    # The development stack asks for development mode explicitly (its tokens are HS256 with a
    # public secret); services started without it refuse to start unless an identity provider
    # (VILLAGE_JWKS_URL) is configured.
    os.environ.setdefault("VILLAGE_ENV", "development")
    if args.command == "run":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
