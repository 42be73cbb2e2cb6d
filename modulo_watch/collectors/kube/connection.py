"""The connection to the cluster: kubeconfig discovery as kubectl does it, and raw GETs.

The official client (``kubernetes.aio``) loads the kubeconfig (contexts, tokens, exec plugins,
client certificates) and its REST layer does TLS and the HTTP; the requests themselves are plain
paths, read raw by our lean decoders. Its generated API classes are left alone: they build
hundreds of pydantic models on first use, which stalled the screen for seconds. Its own retries
are off: the collector runner owns backoff, so a failing server sees about one attempt a second at
most, never the client's retry loop.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from modulo_watch.collectors.kube.listwatch import KubeApiError, PageFetcher, Stream, WatchOpener
from modulo_watch.config import KubernetesSettings

LIST_TIMEOUT = 60.0  # seconds for one page: a slow apiserver, not a dead one
WATCH_GRACE = 15.0  # client-side allowance beyond the watch's own timeoutSeconds
MAX_ERROR_BODY = 2000


def kubeconfig_path(settings: KubernetesSettings, env: dict[str, str] | None = None) -> Path | None:
    """The kubeconfig kubectl would read (the first of a KUBECONFIG list), or None for in-cluster."""
    env = dict(os.environ) if env is None else env
    if settings.kubeconfig:
        return Path(settings.kubeconfig)
    if env.get("KUBECONFIG"):
        return Path(env["KUBECONFIG"].split(os.pathsep)[0]).expanduser()
    default = Path(env.get("HOME", "~")).expanduser() / ".kube" / "config"
    if default.exists() or not env.get("KUBERNETES_SERVICE_HOST"):
        return default
    return None


def query_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)  # the API wants true/false


def import_client() -> tuple[Any, Any, Any]:
    from kubernetes.aio import config
    from kubernetes.aio.client import Configuration, rest

    return config, rest, Configuration


class WatchStream:
    """A watch response read line by line."""

    def __init__(self, response: Any) -> None:
        self._response = response

    async def readline(self) -> bytes:
        """The next line; b"" at the end, also when the server or a proxy cut the stream off mid-way:
        either way the watch resumes from the last version seen."""
        import aiohttp

        try:
            line: bytes = await self._response.content.readline()
        except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError):
            return b""
        return line

    def close(self) -> None:
        self._response.close()


async def error_from(response: Any) -> KubeApiError:
    """The API's own message from a Status body, or the HTTP reason."""
    body = (await response.read())[:MAX_ERROR_BODY]
    response.release()
    try:
        message = str(json.loads(body).get("message") or response.reason)
    except (ValueError, AttributeError):
        message = str(response.reason)
    return KubeApiError(response.status, f"HTTP {response.status}: {message}")


class KubeConnection:
    """One cluster context: its configuration, and GETs for the list-watches and views."""

    def __init__(self, settings: KubernetesSettings) -> None:
        self._settings = settings
        self._configuration: Any = None
        self._rest: Any = None
        # The collectors sharing this connection all open it on their first fetch, at once: without
        # the lock each would make its own REST client, and all but the last would leak their session.
        self._opening = asyncio.Lock()

    async def open(self) -> None:
        if self._rest is not None:
            return
        async with self._opening:
            if self._rest is None:
                await self._open()

    async def _open(self) -> None:
        # Close to a second of imports: in a thread, so the screen keeps painting meanwhile.
        config, rest, configuration_type = await asyncio.to_thread(import_client)
        configuration = configuration_type()
        path = kubeconfig_path(self._settings)
        if path is None:
            config.load_incluster_config(client_configuration=configuration)
        else:
            await config.load_kube_config(
                config_file=str(path), context=self._settings.context, client_configuration=configuration
            )
        configuration.retries = None  # an int, even 0, turns on aiohttp-retry's own retry loop
        self._configuration = configuration
        self._rest = await asyncio.to_thread(rest.RESTClientObject, configuration)  # loads CA certificates

    async def close(self) -> None:
        if self._rest is not None:
            await self._rest.close()
            self._rest = None

    async def get(self, path: str, query: Mapping[str, object], seconds: float) -> Any:
        """The aiohttp response to ``GET path?query``, whatever its status."""
        await self.open()
        headers = {"Accept": "application/json"}
        for auth in (await self._configuration.auth_settings()).values():
            if auth["in"] == "header" and auth["value"]:
                headers[auth["key"]] = auth["value"]
        params = {
            name: str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in query.items()
        }
        url = f"{self._configuration.host}{path}"
        if params:
            url += "?" + urlencode(params)
        return (await self._rest.request("GET", url, headers=headers, _request_timeout=seconds)).response

    def lister(self, path: str, **query: object) -> PageFetcher:
        """A page fetcher for one list (``query``: labelSelector, fieldSelector ...)."""

        async def list_page(token: str | None, limit: int) -> bytes:
            page = {**query, "limit": limit, **({"continue": token} if token else {})}
            return await self.get_raw(path, **page)

        return list_page

    def watcher(self, path: str, **query: object) -> WatchOpener:
        async def open_watch(resource_version: str, seconds: int) -> Stream:
            watch = {
                **query,
                "watch": True,
                "resourceVersion": resource_version,
                "allowWatchBookmarks": True,
                "timeoutSeconds": seconds,
            }
            return await self.stream(path, seconds + WATCH_GRACE, **watch)

        return open_watch

    async def get_raw(self, path: str, **query: object) -> bytes:
        """One plain GET (a list page, metrics, a pod), raw."""
        response = await self.get(path, query, LIST_TIMEOUT)
        if response.status != 200:
            raise await error_from(response)
        body: bytes = await response.read()
        response.release()
        return body

    async def stream(self, path: str, seconds: float, **query: object) -> WatchStream:
        """A GET read line by line (a watch, a followed log), given ``seconds`` in all."""
        response = await self.get(path, query, seconds)
        if response.status != 200:
            raise await error_from(response)
        return WatchStream(response)
