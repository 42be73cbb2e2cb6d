"""A throwaway PostgreSQL server for the tests: its own cluster in a temp dir, on a free loopback port.

The server refuses to run as root, so as root every server command runs as the ``postgres`` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.throwaway import START_TIMEOUT, ThrowawayServer, free_port


def _bin_dir() -> Path:
    """``MODULO_WATCH_PG_BIN``, else the newest Debian install (/usr/lib/postgresql/N/bin), else PATH's."""
    if "MODULO_WATCH_PG_BIN" in os.environ:
        return Path(os.environ["MODULO_WATCH_PG_BIN"])
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name))
    if debian:
        return debian[-1]
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else Path("/usr/local/bin")


BIN_DIR = _bin_dir()
SUPERUSER = "postgres"


class PgServerUnavailable(RuntimeError):
    """The server binaries (or, as root, the ``postgres`` user) are missing."""


class PgServer(ThrowawayServer):
    """``with PgServer() as server:`` gives a running server; ``stop()`` and ``start()`` it at will."""

    def __init__(self) -> None:
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (BIN_DIR / tool).exists():
                raise PgServerUnavailable(f"no {BIN_DIR / tool}")
        self._owner = self._os_user()
        self.root = Path(tempfile.mkdtemp(prefix="modulo-watch-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        try:
            if self._owner is not None:
                os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--no-sync")
            self._configure()
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    @staticmethod
    def _os_user() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            raise PgServerUnavailable("running as root and there is no postgres user") from None

    def _configure(self) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            # Speed over durability: the cluster is thrown away.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "50",
            "shared_buffers": "16MB",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _run(self, tool: str, *args: str) -> None:
        command = [str(BIN_DIR / tool), *args]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr or result.stdout}")

    def dsn(self, user: str = SUPERUSER, dbname: str = "postgres", password: str | None = None) -> str:
        parts = [f"host=127.0.0.1 port={self.port} user={user} dbname={dbname} connect_timeout=5"]
        if password is not None:
            parts.append(f"password={password}")
        return " ".join(parts)

    def start(self) -> None:
        # pg_ctl -w waits for the server itself; the poll below makes sure TCP connections are accepted.
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", str(int(START_TIMEOUT)), "start")
        self._wait_until_accepting()

    def _wait_until_accepting(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.05)  # a poll interval, not a synchronisation: the loop checks the condition

    def stop(self) -> None:
        """A fast shutdown: clients are disconnected, as in an outage."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


class PgStandby(PgServer):
    """A streaming standby of ``primary``: a base backup of it (with ``-R``) on a free port of its own."""

    def __init__(self, primary: PgServer) -> None:
        self._owner = self._os_user()
        self.root = Path(tempfile.mkdtemp(prefix="modulo-watch-pg-standby-"))
        self.data = self.root / "data"
        self.port = free_port()
        try:
            if self._owner is not None:
                os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
            source = ("-h", "127.0.0.1", "-p", str(primary.port), "-U", SUPERUSER)
            self._run("pg_basebackup", "-D", str(self.data), *source, "-R", "-X", "stream", "-c", "fast")
            self._configure()  # later lines win: this port and socket directory, not the primary's
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
