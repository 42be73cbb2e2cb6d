"""How a graph writes its values, by the series' unit: "ratio" as percent, "seconds", "req/s".

Axis labels are short ("12%", "500ms", "2k/s"); readings keep their decimals so that a value line
does not jump about as the value moves ("2.0%", "180ms", "1.25s", "240 req/s").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["GraphUnit", "graph_unit"]


@dataclass(frozen=True, slots=True)
class GraphUnit:
    axis: Callable[[float], str]
    reading: Callable[[float], str]
    min_top: float
    """The lowest top the y axis takes: a flat zero line still has a scale, and wobble stays small."""
    ceiling: float = math.inf
    """The highest top: a ratio never passes 100%."""


def _trimmed(number: float, decimals: int) -> str:
    digits = f"{number:.{decimals}f}"
    return digits.rstrip("0").rstrip(".") if "." in digits else digits


def _percent_axis(ratio: float) -> str:
    return _trimmed(ratio * 100, 1) + "%"  # "P2 5%", "12%", "0.5%"


def _percent_reading(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def _seconds_axis(seconds: float) -> str:
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{_trimmed(seconds * 1000, 0 if seconds >= 0.01 else 1)}ms"
    return f"{_trimmed(seconds, 1)}s"


def _seconds_reading(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.{0 if seconds >= 0.01 else 1}f}ms"
    return f"{seconds:.{2 if seconds < 10 else 1 if seconds < 100 else 0}f}s"


_SI = ((1e6, "M"), (1e3, "k"))


def _scaled(rate: float) -> str:
    for size, prefix in _SI:
        if rate >= size:
            return f"{_trimmed(rate / size, 1)}{prefix}"
    return _trimmed(rate, 0 if rate >= 10 else 1)


def _rate_axis(rate: float) -> str:
    return f"{_scaled(rate)}/s"


def _rate_reading(rate: float) -> str:
    return f"{_scaled(rate)} req/s"


def _plain(value: float) -> str:
    return f"{value:.3g}"


_UNITS = {
    "ratio": GraphUnit(_percent_axis, _percent_reading, min_top=0.01, ceiling=1.0),
    "seconds": GraphUnit(_seconds_axis, _seconds_reading, min_top=0.01),
    "req/s": GraphUnit(_rate_axis, _rate_reading, min_top=1.0),
}
_PLAIN = GraphUnit(_plain, _plain, min_top=1e-9)


def graph_unit(unit: str) -> GraphUnit:
    """The formatting for ``unit``; any other unit (it comes from outside) as plain numbers, never shown."""
    return _UNITS.get(unit, _PLAIN)
