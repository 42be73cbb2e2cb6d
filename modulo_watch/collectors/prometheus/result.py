"""A range query's result -> one series of points; anything else is the source's error, not a crash."""

from __future__ import annotations

import math
from datetime import UTC, datetime


class PrometheusError(Exception):
    """Prometheus could not be asked, refused the query, or answered something that is not a result."""


Point = tuple[datetime, float]


def single_series(result: object) -> tuple[Point, ...]:
    """The points of the one series in ``result`` (the ``data.result`` of a matrix); () for none."""
    if not isinstance(result, list):
        raise PrometheusError(f"not a range-query result: expected a list of series, got {_kind(result)}")
    if not result:
        return ()  # nothing matched: no requests seen yet, or a label that is not there
    if len(result) > 1:
        raise PrometheusError(
            f"the error-ratio query returned {len(result)} series; it must return one (wrap it in sum(...))"
        )
    series = result[0]
    values = series.get("values") if isinstance(series, dict) else None
    if not isinstance(values, list):
        raise PrometheusError(f"not a range-query result: a series without values ({_kind(series)})")
    points = (_point(raw) for raw in values)
    # NaN is 0/0 (no request in the window) and has no place on a graph; neither has an infinity.
    return tuple(point for point in points if math.isfinite(point[1]))


def _point(raw: object) -> Point:
    if not (
        isinstance(raw, list)
        and len(raw) == 2
        and isinstance(raw[0], int | float)
        and not isinstance(raw[0], bool)
        and isinstance(raw[1], str)
    ):
        raise PrometheusError(
            f'not a range-query result: a point should be [time, "value"], got {_kind(raw)}'
        )
    try:
        return datetime.fromtimestamp(raw[0], UTC), float(raw[1])
    except (ValueError, OverflowError, OSError):
        raise PrometheusError(f"not a range-query result: a bad point {raw[:2]!r:.60}") from None


_JSON_KINDS = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def _kind(value: object) -> str:
    """What a JSON value is, in JSON's words: the value itself may be long, or a secret."""
    return _JSON_KINDS.get(type(value), type(value).__name__)
