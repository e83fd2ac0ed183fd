"""`village-incidents migrate | serve | rebuild-read-model`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from village_platform.db import ensure_database

from .app import create_app, settings_from_env

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate() -> None:
    settings = settings_from_env()
    asyncio.run(ensure_database(settings))
    command.upgrade(alembic_config(settings.service_database_url), "head")


def serve() -> None:
    import uvicorn

    settings = settings_from_env()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None,
                access_log=False, timeout_graceful_shutdown=10)


def rebuild_read_model() -> None:
    from .rebuild import rebuild

    asyncio.run(rebuild(settings_from_env()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="village-incidents")
    parser.add_argument("command", choices=["migrate", "serve", "rebuild-read-model"])
    args = parser.parse_args(argv)
    {"migrate": migrate, "serve": serve, "rebuild-read-model": rebuild_read_model}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
