"""The live pod inspector: ``kubectl describe pod`` and ``kubectl logs`` through the API.

Every call has a timeout, and every failure (an API error, a dropped connection, garbage) becomes
an ``InspectError`` with one line to show: the API's own message where it sent one, such as
``previous terminated container "api" in pod "api-7d9f" not found``.

A followed log is a long-lived response with no heartbeat, so a half-open connection looks the same
as a quiet container. The stream is therefore reopened after a minute of silence (and after an hour
in any case) from the last line's timestamp; lines already shown are dropped by their timestamps.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import aiohttp

from modulo_watch.collectors.inspect import LOG_TAIL, InspectError, LogLine, PodDetail
from modulo_watch.collectors.kube.connection import KubeConnection, error_from
from modulo_watch.collectors.kube.decode import decode_event_list, decode_pod_list
from modulo_watch.collectors.kube.detail import decode_pod, pod_detail
from modulo_watch.collectors.kube.listwatch import KubeApiError
from modulo_watch.collectors.kube.log_lines import parse_line, read_lines, stamp_nanos
from modulo_watch.collectors.models import KubeEvent

REQUEST_TIMEOUT = 15.0  # a describe's GETs, and opening a log stream
TAIL_TIMEOUT = 30.0  # reading a whole (non-followed) log
FOLLOW_WINDOW = 3600.0  # a followed log is reopened after this at the latest
FOLLOW_SILENCE = 60.0  # ... and after this long without a line
SINCE_MARGIN = 5  # seconds of overlap when reopening: clock skew; repeats are dropped by timestamp
MAX_REOPENS = 3  # consecutive failed reopenings of a followed log before giving up
EVENT_LIMIT = 500
POD_LIMIT = 500

_CONNECTION_ERRORS = (aiohttp.ClientError, OSError)


def _failure(error: BaseException, what: str) -> InspectError:
    """One line saying what went wrong; the API's message when it sent one."""
    if isinstance(error, KubeApiError):
        return InspectError(str(error))
    if isinstance(error, TimeoutError):
        return InspectError(f"{what}: no answer within {REQUEST_TIMEOUT:g} s")
    detail = " ".join(str(error).split()) or type(error).__name__
    return InspectError(f"{what}: {detail}")


def _pod_path(namespace: str, name: str = "") -> str:
    base = f"/api/v1/namespaces/{quote(namespace, safe='')}/pods"
    return f"{base}/{quote(name, safe='')}" if name else base


class KubeInspector:
    """Reads one pod at a time for the detail screen, on its own connection to the cluster."""

    def __init__(self, connection: KubeConnection) -> None:
        self._connection = connection

    async def _open(self) -> None:
        try:
            await self._connection.open()
        except Exception as error:  # the kubeconfig loader raises its own types, or OSError
            raise _failure(error, "cannot connect to the cluster") from None

    async def _response(self, path: str, query: dict[str, object], seconds: float, what: str) -> Any:
        """The response to a GET once its status is 200; ``seconds`` bounds the whole request."""
        await self._open()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                response = await self._connection.get(path, query, seconds)
                if response.status != 200:
                    raise await error_from(response)
                return response
        except (KubeApiError, TimeoutError, *_CONNECTION_ERRORS, ValueError) as error:
            raise _failure(error, what) from None

    async def _get(self, path: str, what: str, **query: object) -> bytes:
        response = await self._response(path, query, REQUEST_TIMEOUT, what)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                body: bytes = await response.read()
        except (TimeoutError, *_CONNECTION_ERRORS) as error:
            raise _failure(error, what) from None
        finally:
            response.release()
        return body

    async def describe(self, namespace: str, name: str) -> PodDetail:
        raw, (events, events_error) = await asyncio.gather(
            self._get(_pod_path(namespace, name), "pod"), self._events(namespace, name)
        )
        try:
            pod = decode_pod(raw)
        except ValueError as error:
            raise InspectError(str(error)) from None
        return pod_detail(pod, events, events_error)

    async def _events(self, namespace: str, name: str) -> tuple[list[KubeEvent], str]:
        """The pod's events, or why they could not be read: a pod without its events still helps."""
        try:
            raw = await self._get(
                f"/api/v1/namespaces/{quote(namespace, safe='')}/events",
                "events",
                fieldSelector=f"involvedObject.name={name},involvedObject.namespace={namespace}",
                limit=EVENT_LIMIT,
            )
            return list(decode_event_list(raw).items), ""
        except InspectError as error:
            return [], str(error)
        except ValueError as error:
            return [], f"events: {error}"

    async def selector_pods(self, namespace: str, selector: str) -> list[str]:
        raw = await self._get(_pod_path(namespace), "pods", labelSelector=selector, limit=POD_LIMIT)
        try:
            return sorted(pod.name for pod in decode_pod_list(raw).items)
        except ValueError as error:
            raise InspectError(str(error)) from None

    async def logs(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        tail: int | None = LOG_TAIL,
        previous: bool = False,
        follow: bool = False,
        since: datetime | None = None,
    ) -> AsyncGenerator[LogLine, None]:
        path = f"{_pod_path(namespace, name)}/log"
        query: dict[str, object] = {"timestamps": True}
        if container:
            query["container"] = container
        if previous:
            query["previous"] = True
        if follow:
            query["follow"] = True
        last = None if since is None else stamp_nanos(since)  # the newest line shown, in ns
        if last is None and tail is not None:
            query["tailLines"] = max(tail, 0)
        reopens = 0
        while True:
            opened, shown = time.time(), last
            response = await self._response(path, query, FOLLOW_WINDOW if follow else TAIL_TIMEOUT, "logs")
            try:
                async for raw in read_lines(response.content, FOLLOW_SILENCE if follow else TAIL_TIMEOUT):
                    line = parse_line(raw)
                    if line.nanos is not None:
                        if shown is not None and line.nanos <= shown:
                            continue  # shown before this stream was (re)opened
                        last = line.nanos
                    reopens = 0
                    yield LogLine(name, container or "", line.text, line.moment)
                return  # the end: all of a tail, or a followed container stopped
            except TimeoutError:
                if not follow:
                    raise InspectError(f"the log stream stalled: nothing for {TAIL_TIMEOUT:g} s") from None
            except _CONNECTION_ERRORS as error:
                if not follow or reopens >= MAX_REOPENS:
                    raise _failure(error, "the log stream broke") from None
                reopens += 1
            finally:
                response.close()
            resume = last / 1e9 if last is not None else opened
            query.pop("tailLines", None)
            query["sinceSeconds"] = max(1, math.ceil(time.time() - resume) + SINCE_MARGIN)

    async def aclose(self) -> None:
        await self._connection.close()
