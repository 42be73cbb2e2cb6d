"""500 alerts in 60 groups: from Alertmanager's answer to the alerts pane painted, and from a key to the
repaint while scrolling.

A throwaway Alertmanager (tests/alertmanager_server.py, Debian's binary) holds 500 firing alerts in 60
groups (alertname x severity). The `modulo-watch` console script reads it through a recording proxy on
loopback, with `--alertmanager` and the alerts interval at 1 s (MODULO_WATCH_ALERTMANAGER_INTERVAL), in a
160x48 pseudo-terminal (TERM=xterm-256color, fresh XDG directories); nothing else is configured.

- Answer to paint: each round posts one new alert to Alertmanager. The proxy notes the moment it has
  written the first answer to `GET /api/v2/alerts` that holds it (t0); the script reads the terminal
  until the pane's title shows the new count, "N firing" (t1). Figure: t1 - t0. It includes the app's
  reading of the answer, decoding, grouping and the repaint.
- Key to repaint: with the alerts pane focused (the 60 groups are 60 rows; the pane shows about 10),
  "pagedown" and "pageup" alternate. t0 is the write of the key to the terminal; t1 the first moment
  the rows below the pane's title differ from before the key.

Prints every figure's median, p95 and max. Asserts nothing. Linux only (pty, /proc). Run from the
repository root: `.venv/bin/python -m bench.alerts_paint`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.terminal import Screen, Terminal, machine, report_no_frame, resolve_command, terminal_env
from tests.alertmanager_server import AlertmanagerServer, alert

ALERTS, GROUPS = 500, 60
SEVERITIES = ("critical", "warning", "info")
ALERTS_PATH = "/api/v2/alerts"
KEYS = {"pagedown": b"\x1b[6~", "pageup": b"\x1b[5~"}


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bench_alert(name: str, severity: str, instance: str) -> dict[str, Any]:
    """Firing for 10 minutes (so no acknowledgement clock ticks the screen) and for another hour."""
    now = datetime.now(UTC)
    posted = alert(
        name,
        severity,
        {"instance": instance, "job": "bench"},
        {"summary": f"{name} on {instance}: a benchmark alert"},
        starts_at=now - timedelta(minutes=10),
    )
    return {**posted, "endsAt": _rfc3339(now + timedelta(hours=1))}


def load_alerts() -> list[dict[str, Any]]:
    return [
        bench_alert(f"BenchAlert{n % GROUPS:02d}", SEVERITIES[(n % GROUPS) % 3], f"host-{n:03d}:9100")
        for n in range(ALERTS)
    ]


class Recorder:
    """The proxy's record: when it finished writing each answer to GET /api/v2/alerts, and the body."""

    def __init__(self) -> None:
        self.answers: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()

    def first_holding(self, marker: bytes, after: float) -> float | None:
        with self.lock:
            return next((t for t, body in self.answers if t >= after and marker in body), None)


def proxy(upstream: str, recorder: Recorder) -> ThreadingHTTPServer:
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(self.command, self.path, body=body, headers=headers)
            answer = connection.getresponse()
            payload = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            if self.command == "GET" and self.path.startswith(ALERTS_PATH):
                with recorder.lock:
                    recorder.answers.append((time.perf_counter(), payload))

        do_GET = do_POST = do_DELETE = _forward

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            """Quiet."""

    class Relay(ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            """Quiet: the app hangs up mid-answer when it quits."""

    server = Relay(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Watch:
    """The app in its terminal, and the screen as last painted."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.screen = Screen()
        self.output = bytearray()

    def until(self, condition: Any, timeout: float) -> float | None:
        """Read until ``condition(screen)`` holds: the perf_counter time of the read that made it so."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline and not self.terminal.eof:
            chunk = self.terminal.read(deadline - time.perf_counter())
            if not chunk:
                continue
            moment = time.perf_counter()
            self.output += chunk
            self.screen.feed(chunk)
            if condition(self.screen):
                return moment
        return None


def alerts_rows(screen: Screen) -> list[str]:
    """The alerts pane's table rows: the right half of the screen's top band, below its title."""
    rows = screen.rows()
    top = next(i for i, row in enumerate(rows) if "Alerts" in row and "firing" in row)
    return [row[70:118] for row in rows[top + 1 : top + 12]]


def summary(name: str, figures: list[float]) -> str:
    ms = sorted(value * 1000 for value in figures)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (
        f"{name}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
        f"(min {ms[0]:.1f}, {len(ms)} runs)"
    )


def answer_to_paint(watch: Watch, server: AlertmanagerServer, recorder: Recorder, rounds: int) -> list[float]:
    figures = []
    for n in range(1, rounds + 1):
        name = f"BenchNew{n:03d}"
        posted_at = time.perf_counter()
        server.post_alerts([bench_alert(name, "warning", "host-new:9100")])
        wanted = f"{ALERTS + n} firing"
        painted = watch.until(lambda screen, text=wanted: any(text in row for row in screen.rows()), 15)
        answered = recorder.first_holding(name.encode(), posted_at)
        if painted is None or answered is None:
            print(f"round {n}: not seen (painted {painted}, answered {answered})")
            continue
        figures.append(painted - answered)
    return figures


def key_to_repaint(watch: Watch, presses: int) -> list[float]:
    figures = []
    for n in range(presses):
        key = "pagedown" if n % 2 == 0 else "pageup"
        before = alerts_rows(watch.screen)
        pressed = time.perf_counter()
        os.write(watch.terminal.fd, KEYS[key])
        painted = watch.until(lambda screen, rows=before: alerts_rows(screen) != rows, 5)
        if painted is None:
            print(f"{key}: no repaint")
            continue
        figures.append(painted - pressed)
        watch.until(lambda screen: False, 0.15)  # let the frame settle before the next key
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="new alerts posted (default: 20)")
    parser.add_argument("--presses", type=int, default=40, help="page keys pressed (default: 40)")
    parser.add_argument("--command", help="the modulo-watch command (default: the venv's console script)")
    args = parser.parse_args(argv)
    print(machine())
    recorder = Recorder()
    with AlertmanagerServer() as server, tempfile.TemporaryDirectory() as home:
        server.post_alerts(load_alerts())
        relay = proxy(server.url, recorder)
        url = f"http://127.0.0.1:{relay.server_address[1]}"
        env = terminal_env(Path(home)) | {"MODULO_WATCH_ALERTMANAGER_INTERVAL": "1"}
        command = resolve_command(args.command, ["--alertmanager", url])
        if "--drill" in command:
            command.remove("--drill")
        watch = Watch(Terminal.spawn(command, env))
        first = watch.until(lambda screen: any(f"{ALERTS} firing" in row for row in screen.rows()), 60)
        if first is None:
            report_no_frame(bytes(watch.output), "no alerts shown", 60)
            return 1
        print(f"{ALERTS} alerts in {GROUPS} groups on screen")
        print(summary("answer to paint", answer_to_paint(watch, server, recorder, args.rounds)))
        os.write(watch.terminal.fd, b"5")  # focus the alerts pane
        watch.until(lambda screen: False, 0.5)
        print(summary("key to repaint (pagedown/pageup)", key_to_repaint(watch, args.presses)))
        print(f"app: {watch.terminal.quit(b'q', 10)}")
        relay.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
