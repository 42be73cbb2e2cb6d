"""Acknowledging alerts in a real Alertmanager: create a silence, or expire it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import quote

import msgspec

from modulo_watch.collectors.alertmanager.acks import Matcher, silence_request
from modulo_watch.collectors.alertmanager.http import JsonHttp
from modulo_watch.collectors.clock import Clock
from modulo_watch.config import AlertmanagerSettings


class _Created(msgspec.Struct, frozen=True):
    silence_id: str = msgspec.field(name="silenceID")


class AlertmanagerActions:
    """Changes the world: the caller makes sure actions are enabled and the responder confirmed."""

    def __init__(self, settings: AlertmanagerSettings, clock: Clock) -> None:
        if settings.url is None:
            raise ValueError("no Alertmanager URL")  # callers check settings.configured
        self._http = JsonHttp(settings.url, "Alertmanager")
        self._clock = clock

    async def acknowledge(
        self, matchers: Sequence[Matcher], author: str, comment: str, duration: timedelta
    ) -> str:
        if not matchers:
            raise ValueError("a silence needs at least one matcher")
        request = silence_request(matchers, author, comment, self._clock.now(), duration)
        body = await self._http.post_json("api/v2/silences", request)
        try:
            return msgspec.json.decode(body, type=_Created).silence_id
        except msgspec.DecodeError:
            raise self._http.error("the answer to a new silence names no silence id") from None

    async def unacknowledge(self, silence_id: str) -> None:
        await self._http.delete(f"api/v2/silence/{quote(silence_id, safe='')}")

    async def aclose(self) -> None:
        await self._http.aclose()
