"""prometheus-api-client (and requests) load at the first query, in its thread: not before the first frame."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import PrometheusSettings, Settings
live_sources(Settings(prometheus=PrometheusSettings(url="http://prom.internal:9090")))
print("\\n".join(sys.modules))
"""


def test_a_configured_prometheus_loads_no_http_library_before_its_first_query() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())

    assert "modulo_watch.collectors.prometheus.collector" in loaded
    assert not loaded & {"prometheus_api_client", "requests", "dateparser"}
