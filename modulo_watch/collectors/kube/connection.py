"""The connection to the cluster: kubeconfig discovery as kubectl does it, and raw list/watch calls.

The official client (``kubernetes.aio``) does the authentication, TLS and request building; its
``*_without_preload_content`` calls hand back the raw response, which our lean decoders read. Its
own retries are off: the collector runner owns backoff, so a failing server sees about one attempt
a second at most, never the client's hot retry loop.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from modulo_watch.collectors.kube.listwatch import KubeApiError, Stream
from modulo_watch.config import KubernetesSettings

LIST_TIMEOUT = 60.0  # seconds for one page: a slow apiserver, not a dead one
WATCH_GRACE = 15.0  # client-side allowance beyond the watch's own timeoutSeconds
MAX_ERROR_BODY = 2000

ApiCall = Callable[..., Awaitable[Any]]  # a client method like CoreV1Api.list_pod_for_all_namespaces_...


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
    """One cluster context: the API client and the raw calls the list-watches and views need."""

    def __init__(self, settings: KubernetesSettings) -> None:
        self._settings = settings
        self._api_client: Any = None

    async def open(self) -> None:
        if self._api_client is not None:
            return
        from kubernetes.aio import client, config  # heavy: only once a cluster is configured

        configuration = client.Configuration()
        path = kubeconfig_path(self._settings)
        if path is None:
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            await config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=str(path), context=self._settings.context, client_configuration=configuration
            )
        configuration.retries = None  # an int, even 0, turns on aiohttp-retry's own retry loop
        self._api_client = client.ApiClient(configuration)
        self.core = client.CoreV1Api(self._api_client)
        self.apps = client.AppsV1Api(self._api_client)
        self.custom = client.CustomObjectsApi(self._api_client)

    async def close(self) -> None:
        if self._api_client is not None:
            await self._api_client.close()
            self._api_client = None

    def lister(
        self, call: Callable[..., Awaitable[Any]], **scope: Any
    ) -> Callable[[str | None, int], Awaitable[bytes]]:
        """A page fetcher for one list call (``scope``: namespace, label_selector ...)."""

        async def list_page(token: str | None, limit: int) -> bytes:
            response = await call(**scope, limit=limit, _continue=token, _request_timeout=LIST_TIMEOUT)
            if response.status != 200:
                raise await error_from(response)
            body: bytes = await response.read()
            response.release()
            return body

        return list_page

    def watcher(
        self, call: Callable[..., Awaitable[Any]], **scope: Any
    ) -> Callable[[str, int], Awaitable[Stream]]:
        async def open_watch(resource_version: str, seconds: int) -> Stream:
            response = await call(
                **scope,
                watch=True,
                resource_version=resource_version,
                allow_watch_bookmarks=True,
                timeout_seconds=seconds,
                _request_timeout=seconds + WATCH_GRACE,
            )
            if response.status != 200:
                raise await error_from(response)
            return WatchStream(response)

        return open_watch

    async def get_raw(self, call: ApiCall, **params: Any) -> bytes:
        """One plain GET (metrics, a pod's logs ...), raw."""
        response = await call(**params, _request_timeout=LIST_TIMEOUT)
        if response.status != 200:
            raise await error_from(response)
        body: bytes = await response.read()
        response.release()
        return body
