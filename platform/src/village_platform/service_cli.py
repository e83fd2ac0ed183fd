"""The command line every service has:
`village-<service> migrate | serve | rebuild-read-model | service-token [--name NAME]`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic import ValidationError

from .db import ensure_database, migration_lock
from .settings import Settings
from .tokens import mint_service_token


def alembic_config(migrations: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def migrate(settings: Settings, migrations: Path) -> None:
    """Create the service's database if needed and upgrade it (alembic runs its own event
    loop, so it gets a thread), one replica at a time."""
    async with migration_lock(settings):
        await ensure_database(settings)
        await asyncio.to_thread(
            command.upgrade, alembic_config(migrations, settings.service_database_url), "head"
        )


def service_main(
    prog: str,
    migrations: Path,
    settings_from_env: Callable[[], Settings],
    create_app: Callable[[Settings], Any],
    rebuild: Callable[[Settings], Awaitable[int]] | None,
    argv: list[str] | None = None,
) -> None:
    """`rebuild` None: the service keeps no read model that a feed could rebuild."""
    parser = argparse.ArgumentParser(prog=prog)
    commands = ["migrate", "serve", "service-token"] + (["rebuild-read-model"] if rebuild else [])
    parser.add_argument("command", choices=commands)
    parser.add_argument(
        "--name",
        default="operator",
        help="service-token: who the token names (it is valid for 5 minutes)",
    )
    args = parser.parse_args(argv)
    try:
        settings = settings_from_env()
    except ValidationError as exc:  # e.g. no identity provider and no explicit development mode
        reasons = "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())
        parser.exit(2, f"{prog}: refusing to start: {reasons}\n")
    if args.command == "migrate":
        asyncio.run(migrate(settings, migrations))
    elif args.command == "serve":
        serve(create_app(settings), settings)
    elif args.command == "service-token":
        # An operator's way in before any party can act (registering the first provider):
        # a short-lived token signed with VILLAGE_SERVICE_SECRET, printed and nothing else.
        print(mint_service_token(settings, args.name))
    elif rebuild is not None:
        count = asyncio.run(rebuild(settings))
        print(f"{prog}: read model rebuilt from {count} events")


def serve(app: Any, settings: Settings) -> None:
    """uvicorn on `settings.port`; shared with the service's other replicas when `reuse_port`,
    and on `instance_port` too when set (that replica's own)."""
    import uvicorn

    from .httpserver import bounded_http_protocol

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        http=bounded_http_protocol(settings.max_header_bytes),
    )
    sockets = None
    if settings.reuse_port or settings.instance_port is not None:
        # Bound here, not by uvicorn, which has no SO_REUSEPORT option.
        sockets = [
            socket.create_server((settings.host, settings.port), reuse_port=settings.reuse_port)
        ]
        if settings.instance_port is not None:
            sockets.append(socket.create_server((settings.host, settings.instance_port)))
    server = uvicorn.Server(config)
    # What is built by now (modules, routes, schemas) lives as long as the process: kept out of
    # the collector's scans, the incidents service's full collections during bench (j)'s fan-out
    # took at most 7 ms instead of 112 ms.
    gc.collect()
    gc.freeze()
    server.run(sockets=sockets)
    if not server.started:
        sys.exit(3)  # as uvicorn.run does: the server never started
