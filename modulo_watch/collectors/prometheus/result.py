"""A query's result -> one series, or one sample; anything else is the source's error, not a crash."""

from __future__ import annotations

import math
from datetime import UTC, datetime


class PrometheusError(Exception):
    """Prometheus could not be asked, refused the query, or answered something that is not a result."""


Point = tuple[datetime, float]


def single_series(result: object, what: str = "error-ratio") -> tuple[Point, ...]:
    """The points of the one series in ``result`` (the ``data.result`` of a matrix); () for none.

    ``what`` names the query for the responder, who may have several configured."""
    series = _the_one(result, what, _RANGE)
    if series is None:
        return ()  # nothing matched: no requests seen yet, or a label that is not there
    values = series.get("values")
    if not isinstance(values, list):
        raise PrometheusError(f"{_RANGE}: a series without values ({_kind(series)})")
    points = (_point(raw, _RANGE) for raw in values)
    # NaN is 0/0 (no request in the window) and has no place on a graph; neither has an infinity.
    return tuple(point for point in points if math.isfinite(point[1]))


def single_value(result: object, what: str = "error-ratio") -> Point | None:
    """The one sample in ``result`` (the ``data.result`` of an instant vector); None for none, or NaN."""
    sample = _the_one(result, what, _INSTANT)
    if sample is None:
        return None
    point = _point(sample.get("value"), _INSTANT)
    return point if math.isfinite(point[1]) else None


_RANGE, _INSTANT = "not a range-query result", "not an instant-query result"


def _the_one(result: object, what: str, wrong: str) -> dict[str, object] | None:
    """The one series (or sample) of a result: a query must aggregate to one; None when nothing matched.

    ``wrong`` starts the message when the result has the wrong shape."""
    if not isinstance(result, list):
        raise PrometheusError(f"{wrong}: expected a list of series, got {_kind(result)}")
    if not result:
        return None
    if len(result) > 1:
        raise PrometheusError(
            f"the {what} query returned {len(result)} series; it must return one (wrap it in sum(...))"
        )
    if not isinstance(result[0], dict):
        raise PrometheusError(f"{wrong}: a series without values ({_kind(result[0])})")
    return result[0]


def _point(raw: object, wrong: str) -> Point:
    if not (
        isinstance(raw, list)
        and len(raw) == 2
        and isinstance(raw[0], int | float)
        and not isinstance(raw[0], bool)
        and isinstance(raw[1], str)
    ):
        raise PrometheusError(f'{wrong}: a point should be [time, "value"], got {_kind(raw)}')
    try:
        return datetime.fromtimestamp(raw[0], UTC), float(raw[1])
    except (ValueError, OverflowError, OSError):
        raise PrometheusError(f"{wrong}: a bad point {raw[:2]!r:.60}") from None


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
