"""What the tests' throwaway servers share: a temp dir of their own, a free loopback port, and ``with``,
which starts one and, on leaving, stops it and removes its dir."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ThrowawayServer(ABC):
    root: Path

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def running(self) -> bool: ...

    def close(self) -> None:
        try:
            if self.running():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class ChildServer(ThrowawayServer):
    """A server that is one child process (Prometheus, Alertmanager), ready once ``/-/ready`` says 200."""

    NAME: ClassVar[str]

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix=f"modulo-watch-{self.NAME}-"))
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.root / f"{self.NAME}.log"

    @abstractmethod
    def command(self) -> list[str]:
        """The server's command line: its config and storage in ``root``, listening on ``port``."""

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.root
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._ready():
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.NAME} exited ({self._process.returncode}): {self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.NAME} not ready within {START_TIMEOUT:g} s: {self.log_tail()}")
            time.sleep(0.05)  # a poll interval, not a synchronisation: the loop checks the condition

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM (then SIGKILL): an orderly outage, which a collector must ride out."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None
