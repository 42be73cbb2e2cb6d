"""Reading a pod log response (``timestamps=true``) line by line, bounded and with a read timeout.

aiohttp's own ``readline`` raises on a line longer than its buffer; a container may print a
megabyte without a newline. Here such a line is cut at ``MAX_LINE_BYTES`` and its rest skipped, so
one bad line costs a bounded amount of memory and never the stream.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

MAX_LINE_BYTES = 16 * 1024
CUT_MARK = " …"
_NANOS = 1_000_000_000
# RFC 3339 with up to nine fractional digits, as the kubelet prefixes each line.
_STAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")


class ChunkReader(Protocol):
    """What a response body offers (aiohttp's ``StreamReader``): the next bytes, b"" at the end."""

    async def readany(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ParsedLine:
    text: str
    moment: datetime | None = None
    nanos: int | None = None  # since the epoch: orders lines exactly, where a datetime keeps microseconds


def stamp_nanos(moment: datetime) -> int:
    return int(moment.timestamp()) * _NANOS + moment.microsecond * 1000


def parse_line(raw: bytes) -> ParsedLine:
    """Split the kubelet's timestamp from a line; a line without one keeps all its text."""
    text = raw.decode("utf-8", "replace").removesuffix("\r")
    head, space, rest = text.partition(" ")
    match = _STAMP.fullmatch(head) if space else None
    if match is None:
        return ParsedLine(text)
    base, fraction, zone = match.groups()
    try:
        whole = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    except ValueError:  # a month 13, say: not a timestamp after all
        return ParsedLine(text)
    nanos = int((fraction or "").ljust(9, "0"))
    return ParsedLine(
        rest.removesuffix("\r"),
        whole + timedelta(microseconds=nanos // 1000),
        int(whole.timestamp()) * _NANOS + nanos,
    )


async def read_lines(body: ChunkReader, silence: float) -> AsyncIterator[bytes]:
    """The body's lines without their newline.

    Raises ``TimeoutError`` when nothing arrives for ``silence`` seconds.
    """
    pending = b""
    skipping = False  # inside a line that was already cut: drop bytes up to its newline
    while True:
        async with asyncio.timeout(silence):
            chunk = await body.readany()
        if not chunk:
            if pending and not skipping:
                yield pending
            return
        *complete, pending = (pending + chunk).split(b"\n")
        for line in complete:
            if skipping:
                skipping = False
            else:
                yield line if len(line) <= MAX_LINE_BYTES else line[:MAX_LINE_BYTES] + CUT_MARK.encode()
        if len(pending) > MAX_LINE_BYTES:
            if not skipping:
                yield pending[:MAX_LINE_BYTES] + CUT_MARK.encode()
            skipping, pending = True, b""
