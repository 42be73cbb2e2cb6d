"""A range query's answer -> one series; a wrong shape is a clear PrometheusError, never a crash."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from modulo_watch.collectors.prometheus.client import _refusal
from modulo_watch.collectors.prometheus.result import PrometheusError, single_series, single_value


def test_one_series_becomes_points_and_0_over_0_is_left_out() -> None:
    result = [
        {"metric": {}, "values": [[1_800_000_000, "0.02"], [1_800_000_003.5, "NaN"], [1_800_000_006, "0.12"]]}
    ]

    assert single_series(result) == (
        (datetime.fromtimestamp(1_800_000_000, UTC), 0.02),
        (datetime.fromtimestamp(1_800_000_006, UTC), 0.12),
    )


def test_no_series_is_no_data() -> None:
    assert single_series([]) == ()


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"resultType": "matrix"}, "expected a list of series, got an object"),
        (None, "expected a list of series, got null"),
        ([[1, "0.1"]], "a series without values (a list)"),
        ([{"metric": {}, "value": [1, "0.1"]}], "a series without values (an object)"),
        ([{"values": [[1, 0.1]]}], 'a point should be [time, "value"], got a list'),
        ([{"values": ["1 0.1"]}], 'a point should be [time, "value"], got a string'),
        ([{"values": [[1, "lots"]]}], "a bad point [1, 'lots']"),
        ([{"values": [[1e300, "0.1"]]}], "a bad point"),
        ([{"values": []}, {"values": []}], "returned 2 series; it must return one (wrap it in sum(...))"),
    ],
)
def test_a_wrong_shape_is_an_error_that_says_what_is_wrong(result: object, message: str) -> None:
    with pytest.raises(PrometheusError, match=re.escape(message)):
        single_series(result)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            'HTTP Status Code 400 (b\'{"status":"error","errorType":"bad_data","error":"parse error: x"}\')',
            "HTTP 400: parse error: x",
        ),
        ("HTTP Status Code 503 (b'Service Unavailable')", "HTTP 503"),
        ('HTTP Status Code 502 (b"it\'s down")', "HTTP 502"),
        ("something else", "something else"),
    ],
)
def test_a_refusal_says_the_status_and_prometheus_own_reason(message: str, expected: str) -> None:
    assert _refusal(message) == expected


def test_an_instant_answer_is_its_one_sample_or_none() -> None:
    at = datetime.fromtimestamp(1_800_000_007, UTC)
    assert single_value([{"metric": {}, "value": [1_800_000_007, "0.12"]}]) == (at, 0.12)
    assert single_value([]) is None  # nothing matched yet
    assert single_value([{"metric": {}, "value": [1_800_000_007, "NaN"]}]) is None  # 0/0: no requests


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"resultType": "vector"}, "not an instant-query result: expected a list of series, got an object"),
        ([{"metric": {}}], 'not an instant-query result: a point should be [time, "value"], got null'),
        (
            [{"value": [1, "1"]}, {"value": [1, "2"]}],
            "the latency p95 query returned 2 series; it must return one (wrap it in sum(...))",
        ),
    ],
)
def test_a_wrong_instant_answer_says_what_is_wrong(result: object, message: str) -> None:
    with pytest.raises(PrometheusError, match=re.escape(message)):
        single_value(result, "latency p95")
