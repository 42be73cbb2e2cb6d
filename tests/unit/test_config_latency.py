"""The latency view's query keys: defaults for modulo-api, validated like the error-ratio query."""

from __future__ import annotations

from pathlib import Path

import pytest

from modulo_watch.config import ConfigError, PrometheusSettings, load_settings, render_settings

KEYS = ("latency_p95_query", "latency_p99_query", "request_rate_query")


def test_the_defaults_read_modulo_apis_histogram_and_counters() -> None:
    settings = PrometheusSettings()
    for quantile, query in (("0.95", settings.latency_p95_query), ("0.99", settings.latency_p99_query)):
        assert query.startswith(f"histogram_quantile({quantile}, sum by (le) (rate(")
        assert 'http_request_duration_seconds_bucket{job="modulo-api"}' in query
    assert settings.request_rate_query == 'sum(rate(http_requests_total{job="modulo-api"}[5m]))'


def test_the_file_and_the_environment_set_them(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[prometheus]\nlatency_p95_query = "p95_from_file"\nrequest_rate_query = "rate_from_file"\n'
    )
    env = {"MODULO_WATCH_PROMETHEUS_REQUEST_RATE_QUERY": "rate_from_env"}
    settings = load_settings(path, env).prometheus
    assert settings.latency_p95_query == "p95_from_file"
    assert settings.request_rate_query == "rate_from_env"
    rendered = render_settings(load_settings(path, env))
    assert 'latency_p95_query = "p95_from_file"' in rendered
    assert 'latency_p99_query = "histogram_quantile(0.99' in rendered


@pytest.mark.parametrize("key", KEYS)
def test_an_empty_query_is_one_clear_line(tmp_path: Path, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[prometheus]\n{key} = " "\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert str(caught.value).endswith(f'config.toml: prometheus.{key}: expected a non-empty string, got " "')


def test_a_typo_suggests_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[prometheus]\nlatency_p99_querry = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert str(caught.value).endswith(
        'prometheus.latency_p99_querry: unknown key; did you mean "latency_p99_query"?'
    )
