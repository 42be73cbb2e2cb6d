"""Durations as runbooks write them: "< 15 minutes", "Immediate (< 5 minutes)", "Within 24 hours", "1h"."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"(?P<number>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w)\b",
    re.IGNORECASE,
)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LONGEST = timedelta(days=36500)  # past a century a number is a typo; far past it, timedelta overflows


def find_duration(text: str) -> timedelta | None:
    """The first "number unit" in ``text``: "< 15 minutes" -> 15 min; None when there is none."""
    match = _DURATION.search(text)
    if match is None:
        return None
    number = float(match["number"])
    unit = _UNITS[match["unit"][0].lower()]
    if number > _LONGEST / timedelta(**{unit: 1}):
        return None
    return timedelta(**{unit: number})


def response_time(text: str) -> timedelta | None:
    """A severity's response time; "Immediate" alone means now."""
    found = find_duration(text)
    if found is None and text.strip().lower().startswith("immediate"):
        return timedelta(0)
    return found
