"""Fault injection by request path, and the log of requests that tests count attempts with."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["fail", "stall", "garbage", "drop"]

# What a misbehaving proxy or a wrong endpoint answers with a 200.
NOT_JSON = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>\n"
WRONG_SHAPE = b'{"kind":"PodList","apiVersion":"v1","metadata":{},"items":{"unexpected":"shape"}}'


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: Mapping[str, str]
    time: float  # time.monotonic() on arrival
    watch: bool


@dataclass
class FaultRule:
    kind: FaultKind
    path_glob: str  # fnmatch pattern over the path without the query; "*" also matches "/"
    times: int | None  # how many requests it affects; None for all
    watch: bool | None  # only watch requests (True), only others (False), or both (None)
    status: int = 500
    seconds: float | None = None  # a stall's length; None stalls until the client gives up
    body: bytes = b""
    content_type: str = "application/json"
    events: int = 0  # a dropped stream's lines before it is cut
    retry_after: int | None = None
    hits: int = 0

    def applies(self, path: str, watch: bool) -> bool:
        return (
            (self.times is None or self.hits < self.times)
            and (self.watch is None or self.watch == watch)
            and fnmatch.fnmatchcase(path, self.path_glob)
        )


class Faults:
    """Rules are tried in the order they were added; the first that applies is used up by one request."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def fail(
        self,
        path_glob: str,
        status: int = 500,
        times: int | None = None,
        *,
        watch: bool | None = None,
        retry_after: int | None = None,
    ) -> FaultRule:
        """Answer with ``status`` and a ``Status`` body (with ``Retry-After`` if given)."""
        return self._add(FaultRule("fail", path_glob, times, watch, status=status, retry_after=retry_after))

    def stall(
        self,
        path_glob: str,
        seconds: float | None = None,
        *,
        times: int | None = None,
        watch: bool | None = None,
    ) -> FaultRule:
        """Accept the request and send nothing for ``seconds`` (then answer), or until the client leaves."""
        return self._add(FaultRule("stall", path_glob, times, watch, seconds=seconds))

    def garbage(
        self,
        path_glob: str,
        body: bytes = NOT_JSON,
        *,
        status: int = 200,
        content_type: str = "application/json",
        times: int | None = None,
        watch: bool | None = None,
    ) -> FaultRule:
        """Answer ``status`` with a body that is not JSON (default) or has the wrong shape (WRONG_SHAPE)."""
        return self._add(
            FaultRule("garbage", path_glob, times, watch, status=status, body=body, content_type=content_type)
        )

    def drop_stream_after(self, path_glob: str, events: int, *, times: int | None = None) -> FaultRule:
        """Cut a watch (or a followed log) after ``events`` lines: no closing chunk, as a dying proxy does."""
        return self._add(FaultRule("drop", path_glob, times, None, events=events))

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.remove(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, path: str, watch: bool, kinds: frozenset[FaultKind]) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.applies(path, watch):
                    rule.hits += 1
                    return rule
        return None

    def _add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule
