"""``KubeServer``: the loopback apiserver over a ``FakeCluster``, on aiohttp, plain HTTP on 127.0.0.1.

Every request is logged, then faults apply (as a proxy in front would), then the bearer token is
checked, then the path is served the way kube-apiserver serves it.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
import socket
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

from aiohttp import web

from tests.kube_server import discovery
from tests.kube_server.cluster import FakeCluster
from tests.kube_server.encoding import dumps
from tests.kube_server.faults import RequestRecord
from tests.kube_server.kubeconfig import write_kubeconfig
from tests.kube_server.logs import render
from tests.kube_server.resources import BY_PATH, Filter, ResourceType
from tests.kube_server.status import ApiError
from tests.kube_server.store import with_kind
from tests.kube_server.streams import follow_log, query_flag, query_number, tailed, wait, watch

T = TypeVar("T")
Handler = Any  # aiohttp's middleware handler type is not exported in a typed form


class Route(NamedTuple):
    rtype: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None


def _json(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


def _route(path: str) -> Route | str | None:
    """The resource a path names; a group-version string for its discovery document; None if unknown."""
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 2 and parts[0] == "api":
        group_version, rest = parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
    else:
        return None
    if not rest:
        return group_version
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    rtype = BY_PATH.get((group_version, rest[0]))
    if rtype is None or len(rest) > 3 or (namespace is not None and not rtype.namespaced):
        return None
    return Route(rtype, namespace, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None)


class KubeServer:
    """``async with KubeServer(cluster) as server: server.url`` in the test's loop, or ``start_in_thread``."""

    def __init__(
        self, cluster: FakeCluster, *, token: str | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.cluster = cluster
        self.token = token or secrets.token_urlsafe(24)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def write_kubeconfig(
        self, path: str | os.PathLike[str], context: str = "loopback", namespace: str | None = None
    ) -> Path:
        return write_kubeconfig(path, self.url, self.token, context=context, namespace=namespace)

    async def __aenter__(self) -> KubeServer:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # handler_cancellation: a client that hangs up ends its watch, stall or followed log at once.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """End every open stream and stall, then close the listener and connections."""
        self._closing.set()
        self.cluster.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @classmethod
    def start_in_thread(cls, cluster: FakeCluster, **options: Any) -> ThreadedKubeServer:
        """Serve from a thread with its own event loop (benchmarks, sync clients); ``stop()`` when done."""
        return ThreadedKubeServer(cls(cluster, **options))

    # -- the request path ----------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        query = request.query
        watching = query_flag(query, "watch")
        self.cluster.record_request(
            RequestRecord(request.method, request.path, dict(query), time.monotonic(), watching)
        )
        fault = self.cluster.faults.take(request.path, watching, frozenset({"fail", "stall", "garbage"}))
        if fault is not None and fault.kind == "stall":
            await wait(self._closing, fault.seconds)
            if fault.seconds is None or self._closing.is_set():
                raise web.HTTPServiceUnavailable()  # the server is going away; the client long gave up
        elif fault is not None and fault.kind == "fail":
            failure = _json(ApiError(fault.status, "injected failure").body(), fault.status)
            if fault.retry_after is not None:
                failure.headers["Retry-After"] = str(fault.retry_after)
            return failure
        elif fault is not None:
            return web.Response(body=fault.body, status=fault.status, content_type=fault.content_type)
        presented = request.headers.get("Authorization", "")
        if not hmac.compare_digest(presented.encode(), f"Bearer {self.token}".encode()):
            return _json(ApiError(401, "Unauthorized").body(), 401)
        try:
            response: web.StreamResponse = await handler(request)
        except ApiError as error:
            return _json(error.body(), error.code)
        return response

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise ApiError(
                405, f"the server does not allow this method on the requested resource: {request.method}"
            )
        path = request.path.rstrip("/")
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok", content_type="text/plain")
        if path == "/version":
            return _json(dumps(discovery.version()))
        if path == "/api":
            return _json(dumps(discovery.core_versions(f"{self.host}:{self.port}")))
        if path == "/apis":
            return _json(dumps(discovery.groups()))
        route = _route(path)
        if isinstance(route, str):
            document = discovery.resources(route)
            if document is not None:
                return _json(dumps(document))
        if not isinstance(route, Route):
            raise ApiError(404, "the server could not find the requested resource")
        if route.subresource == "log" and route.rtype.name == "pods" and route.namespace and route.name:
            return await self._log(request, route.namespace, route.name)
        if route.subresource is not None:
            raise ApiError(404, "the server could not find the requested resource")
        if route.name is not None:
            raw = self.cluster.get_raw(route.rtype.name, route.namespace or "", route.name)
            return _json(with_kind(route.rtype, raw))
        query = request.query
        selection = Filter.parse(
            route.rtype, route.namespace, query.get("labelSelector"), query.get("fieldSelector")
        )
        if query_flag(query, "watch"):
            if not route.rtype.watchable:
                raise ApiError(405, f"watch is not supported on resources of kind {route.rtype.kind!r}")
            cut = self._cut_after(request.path, watching=True)
            return await watch(request, self.cluster, route.rtype, selection, self._closing, cut)
        return self._list(request, route.rtype, selection)

    def _cut_after(self, path: str, *, watching: bool) -> int | None:
        """Lines before a ``drop_stream_after`` fault cuts this stream, if one applies."""
        drop = self.cluster.faults.take(path, watching, frozenset({"drop"}))
        return None if drop is None else drop.events

    def _list(self, request: web.Request, rtype: ResourceType, selection: Filter) -> web.Response:
        query = request.query
        page = self.cluster.list_page(
            rtype.name,
            selection,
            limit=query_number(query, "limit"),
            token=query.get("continue"),
            resource_version=query.get("resourceVersion"),
            match=query.get("resourceVersionMatch"),
        )
        metadata: dict[str, object] = {"resourceVersion": page.resource_version} if rtype.watchable else {}
        if page.continue_token is not None:
            metadata.update({"continue": page.continue_token, "remainingItemCount": page.remaining})
        head = b'{"kind":"%s","apiVersion":"%s","metadata":%s,"items":[' % (
            rtype.list_kind.encode(),
            rtype.api_version.encode(),
            dumps(metadata),
        )
        return _json(b"".join((head, b",".join(page.items), b"]}")))

    async def _log(self, request: web.Request, namespace: str, name: str) -> web.StreamResponse:
        query = request.query
        key = (namespace, name, query.get("container") or None, query_flag(query, "previous"))
        tail = query_number(query, "tailLines")
        if query_flag(query, "follow"):
            cut = self._cut_after(request.path, watching=False)
            return await follow_log(request, self.cluster, key, tail, self._closing, cut)
        buffer = self.cluster.pod_log(*key)
        body = render(tailed(list(buffer.lines), tail), query_flag(query, "timestamps"))
        limit = query_number(query, "limitBytes")
        return web.Response(body=body if limit is None else body[:limit], content_type="text/plain")


class ThreadedKubeServer:
    """A ``KubeServer`` running in its own thread and event loop."""

    def __init__(self, server: KubeServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        started: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="kube-server", daemon=True)
        self._thread.start()
        started.result()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.token

    def _run(self, started: Future[None]) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.start())
        except BaseException as error:  # hand the failure to the starting thread
            self.loop.close()
            started.set_exception(error)
            return
        started.set_result(None)
        self.loop.run_forever()
        self.loop.run_until_complete(self.server.stop())
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (e.g. ``cluster.churn``) and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()

    def __enter__(self) -> ThreadedKubeServer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
