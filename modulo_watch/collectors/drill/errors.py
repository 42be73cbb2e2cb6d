"""Scenario errors, and finding the line a parsed value came from.

``tomllib`` reports positions for syntax errors only. For the semantic errors we raise after
parsing, ``Locator`` scans the text for table headers and keys so the message can still point
at the line the author has to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]
"""Where a value lives: ``("event", 2, "session", 0, "query")``; an int indexes the array before it."""

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_HEADER_NAME = re.compile(r"""^[\w\-."' ]+$""")
_KEY = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)'|([\w\-]+))\s*[=.]""")


class ScenarioError(Exception):
    """A scenario that cannot be loaded. ``str()`` is one line: ``file:line: what is wrong``."""


def scenario_error(source: str, line: int, message: str) -> ScenarioError:
    return ScenarioError(f"{source}:{line}: {message}")


@dataclass(frozen=True, slots=True)
class _Header:
    line: int
    name: str


class Locator:
    """Maps a key path to a 1-based line number of a TOML text (best effort, never fails)."""

    def __init__(self, text: str) -> None:
        self._headers: list[_Header] = []
        self._keys: list[tuple[int, str]] = []
        self._scan(text.splitlines())
        self._last_line = max(1, len(text.splitlines()))

    def line_of(self, path: KeyPath) -> int:
        # The region is the span of lines that belongs to the table reached so far.
        start, end, prefix, line = 0, self._last_line + 1, "", 1
        for name, index in _steps(path):
            full = f"{prefix}.{name}" if prefix else name
            headers = [h for h in self._headers if start <= h.line < end and h.name == full]
            if index < len(headers):
                header = headers[index]
                start, line, prefix = header.line, header.line, full
                end = next(
                    (h.line for h in self._headers if h.line > start and not h.name.startswith(full + ".")),
                    end,
                )
                continue
            if any(start <= h.line < end and h.name.startswith(full + ".") for h in self._headers):
                prefix = full  # only implied by a sub-table header such as [postgres.backends]
                continue
            key_line = self._key_line(start, end, name)
            return key_line if key_line is not None else line
        return line

    def _key_line(self, start: int, end: int, key: str) -> int | None:
        # Keys directly under a table sit between its header and the next header of any kind.
        own_end = next((h.line for h in self._headers if start < h.line < end), end)
        return next((n for n, k in self._keys if start <= n < own_end and k == key), None)

    def _scan(self, lines: list[str]) -> None:
        in_multiline = False
        for number, text in enumerate(lines, start=1):
            quotes = text.count('"""') + text.count("'''")
            if in_multiline:
                in_multiline = quotes % 2 == 0
                continue
            header = _HEADER.match(text)
            if header and _HEADER_NAME.match(header.group(2)):
                self._headers.append(_Header(number, _normalise(header.group(2))))
                continue
            key = _KEY.match(text)
            if key:
                self._keys.append((number, next(g for g in key.groups() if g is not None)))
            in_multiline = quotes % 2 == 1


def _normalise(name: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in name.split("."))


def _steps(path: KeyPath) -> list[tuple[str, int]]:
    steps: list[tuple[str, int]] = []
    for part in path:
        if isinstance(part, int):
            if steps:
                steps[-1] = (steps[-1][0], part)
        else:
            steps.append((part, 0))
    return steps
