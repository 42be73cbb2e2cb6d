"""Typed, position-aware reading of a parsed TOML table.

Every getter names the key it failed on, and ``finish()`` rejects keys nobody read, so a typo
in a hand-written scenario is an error on its own line rather than a silently ignored setting.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from modulo_watch.collectors.drill.errors import KeyPath, Locator, ScenarioError, scenario_error

_DURATION = re.compile(r"^(-)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")
_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$")
_MEMORY_UNITS = {None: 1, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}


@dataclass(frozen=True, slots=True)
class Document:
    """The file being read: its name for messages and where its lines are."""

    source: str
    locator: Locator

    def error(self, path: KeyPath, message: str) -> ScenarioError:
        return scenario_error(self.source, self.locator.line_of(path), message)


def parse_duration(text: str, allow_negative: bool = False) -> float | None:
    """``"1m30s"`` -> 90.0; None when the text is not a duration."""
    match = _DURATION.match(text.strip())
    if not match or not any(match.groups()[1:]) or (match.group(1) and not allow_negative):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups()[1:])
    total = days * 86400 + hours * 3600 + minutes * 60 + seconds
    return -total if match.group(1) else total


class Table:
    """One TOML table (or array-of-tables entry) being read."""

    def __init__(self, data: Mapping[str, object], path: KeyPath, label: str, doc: Document) -> None:
        self._data = data
        self._path = path
        self.label = label
        self._doc = doc
        self._read: set[str] = set()

    @property
    def line(self) -> int:
        return self._doc.locator.line_of(self._path)

    def names(self) -> list[str]:
        return list(self._data)

    def has(self, key: str) -> bool:
        return key in self._data

    def error(self, key: str | None, message: str) -> ScenarioError:
        path = self._path if key is None else (*self._path, key)
        return self._doc.error(path, f"{self.label}: {message}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self._take(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"'{key}' must be a string")
        return value

    def flag(self, key: str) -> bool:
        value = self._take(key, None)
        if not isinstance(value, bool):
            raise self.error(key, f"'{key}' must be true or false")
        return value

    def integer(self, key: str, default: int | None = None, minimum: int = 0) -> int:
        value = self._take(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, f"'{key}' must be a whole number")
        if value < minimum:
            raise self.error(key, f"'{key}' must be at least {minimum}")
        return value

    def number(self, key: str, default: float | None = None, low: float = 0.0, high: float = 1e12) -> float:
        value = self._take(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self.error(key, f"'{key}' must be a number")
        if not low <= value <= high:
            raise self.error(key, f"'{key}' must be between {low:g} and {high:g}, not {value:g}")
        return float(value)

    def duration(self, key: str, default: str | None = None, allow_negative: bool = False) -> float:
        text = self.text(key, default)
        seconds = parse_duration(text, allow_negative)
        if seconds is None:
            raise self.error(key, f'bad duration {text!r} for \'{key}\' (write e.g. "12m", "1m30s", "2h")')
        return seconds

    def cpu_millicores(self, key: str, default: str) -> int:
        """``"250m"`` or ``"2"`` (cores), or a bare number of cores."""
        if isinstance(self._data.get(key), int | float):
            return round(self.number(key) * 1000)
        text = self.text(key, default)
        match = _CPU.match(text)
        if not match:
            raise self.error(key, f'bad CPU quantity {text!r} (write e.g. "250m" or "2")')
        value = float(match.group(1))
        return round(value if match.group(2) else value * 1000)

    def memory_bytes(self, key: str, default: str) -> int:
        text = self.text(key, default)
        match = _MEMORY.match(text)
        if not match:
            raise self.error(key, f'bad memory quantity {text!r} (write e.g. "512Mi" or "16Gi")')
        return round(float(match.group(1)) * _MEMORY_UNITS[match.group(2)])

    def choice(self, key: str, options: Iterable[str], default: str | None = None, what: str = "") -> str:
        value = self.text(key, default)
        return self._check_choice(key, value, tuple(options), what or key)

    def choices(self, key: str, options: Iterable[str], what: str = "") -> tuple[str, ...]:
        """A string or a list of strings, each one of ``options``; empty when absent."""
        allowed = tuple(options)
        return tuple(self._check_choice(key, value, allowed, what or key) for value in self.strings(key))

    def strings(self, key: str) -> tuple[str, ...]:
        """A string or a list of strings; empty when absent."""
        value = self._take(key, [])
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise self.error(key, f"'{key}' must be a string or a list of strings")
        return tuple(str(item) for item in items)

    def string_map(self, key: str) -> tuple[tuple[str, str], ...]:
        """An inline table of string values, e.g. labels; sorted by key."""
        value = self._take(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self.error(key, f"'{key}' must be a table of strings, e.g. {{ app = \"modulo-api\" }}")
        return tuple(sorted((str(k), str(v)) for k, v in value.items()))

    def table(self, key: str, label: str) -> Table | None:
        value = self._take(key, {})
        if not isinstance(value, dict):
            raise self.error(key, f"'{key}' must be a table")
        return Table(value, (*self._path, key), label, self._doc) if key in self._data else None

    def tables(self, key: str, label: str) -> list[Table]:
        """An array of tables (``[[key]]``); each entry labelled ``label #n``."""
        value = self._take(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(key, f"'{key}' must be written as [[{key}]] tables")
        return [
            Table(item, (*self._path, key, n), f"{label} #{n + 1}", self._doc) for n, item in enumerate(value)
        ]

    def empty(self, label: str) -> Table:
        """Stands in for an optional table the file leaves out, so its defaults apply."""
        return Table({}, self._path, label, self._doc)

    def check_key(self, key: str, options: Iterable[str], what: str) -> str:
        """A key that is itself a value (e.g. a backend state), checked against ``options``."""
        return self._check_choice(key, key, tuple(options), what)

    def finish(self) -> None:
        """Reject keys that no getter asked for."""
        for key in self._data:
            if key not in self._read:
                known = sorted(self._read)
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(known)}"
                raise self.error(key, f"unknown key '{key}' ({hint})")

    def _take(self, key: str, default: object | None) -> object:
        self._read.add(key)
        if key in self._data:
            return self._data[key]
        if default is None:
            raise self.error(None, f"missing key '{key}'")
        return default

    def _check_choice(self, key: str, value: str, options: tuple[str, ...], what: str) -> str:
        if value not in options:
            close = difflib.get_close_matches(value, options, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(options)}"
            raise self.error(key, f"unknown {what} {value!r} ({hint})")
        return value
