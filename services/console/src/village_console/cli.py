"""`village-console migrate | serve | rebuild-read-model`."""

from __future__ import annotations

import sys
from pathlib import Path

from village_platform.service_cli import service_main

from .app import create_app
from .config import settings_from_env
from .rebuild import rebuild

MIGRATIONS = Path(__file__).parent / "migrations"


def main(argv: list[str] | None = None) -> None:
    service_main("village-console", MIGRATIONS, settings_from_env, create_app, rebuild, argv)


if __name__ == "__main__":
    sys.exit(main())
