"""A throwaway Prometheus for the tests: Debian's binary, its own storage in a temp dir, a free loopback port.

It scrapes the test exporter every second under the job ``modulo-api`` (the job the default error-ratio
query names) and evaluates its rules every second, so a scripted change shows within a few seconds.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.throwaway import START_TIMEOUT, ChildServer

BINARY = Path(os.environ.get("MODULO_WATCH_PROMETHEUS_BIN", "/usr/bin/prometheus"))
JOB = "modulo-api"

FAST_ERROR_RATIO_QUERY = (
    f'sum(rate(http_requests_total{{job="{JOB}",status=~"5.."}}[5s]))'
    f' / sum(rate(http_requests_total{{job="{JOB}"}}[5s]))'
)
"""The default query's shape over 5 s instead of 5 min: it follows a scripted change within seconds."""

HIGH_ERROR_RATE_RULE: dict[str, Any] = {
    "alert": "HighErrorRate",
    "expr": f"{FAST_ERROR_RATIO_QUERY} > 0.05",
    "for": "2s",
    "labels": {"severity": "page", "service": JOB},
    "annotations": {
        "summary": "modulo-api 5xx ratio above 5%",
        "runbook_url": "https://runbooks.example/modulo-api/high-error-rate",
    },
}
"""A real alert rule: fires two seconds after the ratio passes 5%, resolves once it is back under."""


class PrometheusUnavailable(RuntimeError):
    """The prometheus binary is missing."""


class PrometheusServer(ChildServer):
    """``with PrometheusServer(exporter.address) as server:`` a ready server; ``stop()``, ``start()``."""

    NAME = "prometheus"

    def __init__(
        self,
        target: str,
        rules: Sequence[dict[str, Any]] = (),
        alertmanager_url: str | None = None,
    ) -> None:
        if not BINARY.exists():
            raise PrometheusUnavailable(f"no {BINARY} (Debian package prometheus)")
        super().__init__()
        self._write_config(target, rules, alertmanager_url)

    def _write_config(
        self, target: str, rules: Sequence[dict[str, Any]], alertmanager_url: str | None
    ) -> None:
        # JSON is YAML: no YAML writer needed.
        config: dict[str, Any] = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [target]}]}],
        }
        if rules:
            rule_file = self.root / "rules.yml"
            rule_file.write_text(json.dumps({"groups": [{"name": "modulo-api", "rules": list(rules)}]}))
            config["rule_files"] = [str(rule_file)]
        if alertmanager_url is not None:
            host = alertmanager_url.split("://", 1)[-1].rstrip("/")
            config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [host]}]}]}
        (self.root / "prometheus.yml").write_text(json.dumps(config))

    def command(self) -> list[str]:
        return [
            str(BINARY),
            f"--config.file={self.root / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.root / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]

    def api(self, path: str) -> Any:
        """GET ``/api/v1/<path>``'s data, for tests that look at Prometheus itself."""
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}", timeout=5) as response:
            return json.load(response)["data"]

    def wait_for(self, query: str, timeout: float = START_TIMEOUT) -> None:
        """Until the instant ``query`` has a result: the target scraped (discovery takes up to 5 s) often
        enough for its rates."""
        deadline = time.monotonic() + timeout
        while not self.api(f"query?{urllib.parse.urlencode({'query': query})}")["result"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no result for {query} within {timeout:g} s")
            time.sleep(0.1)  # a poll interval: the loop checks the condition
