"""The live pod inspector against the loopback apiserver, through the real ``kubernetes`` client:
describe with the pod's own events, tails, the previous container, following, and API errors as
one-line messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from modulo_watch.collectors.inspect import LOG_TAIL, InspectError, LogLine, interleaved_logs
from modulo_watch.collectors.kube import inspect as kube_inspect
from modulo_watch.collectors.kube.connection import KubeConnection
from modulo_watch.collectors.kube.inspect import KubeInspector
from modulo_watch.collectors.sources import live_sources
from modulo_watch.config import KubernetesSettings, Settings
from modulo_watch.tui.screens.pod_detail import PodDetailScreen
from modulo_watch.widgets.log_view import LogView
from modulo_watch.widgets.table import VirtualTable
from tests.kube_server import FakeCluster, KubeServer, RequestRecord
from tests.tui.support import custom_app, screen_text, wait_until

NAMESPACE = "shop"
DEADLINE = 10.0  # seconds any awaited line or answer may take before the test fails


@pytest.fixture
def cluster() -> FakeCluster:
    cluster = FakeCluster.generate(pods=30, nodes=3, namespaces=["shop", "other"], seed=3)
    app = {"app": "modulo-api"}
    cluster.add_pod(NAMESPACE, "api-a", labels=app, containers=("api", "envoy"))
    cluster.add_pod(NAMESPACE, "api-b", labels=app, containers=("api", "envoy"))
    cluster.add_pod(NAMESPACE, "api-c", labels=app, health="oomkilled", containers=("api", "envoy"))
    cluster.set_pod_status(NAMESPACE, "api-c", waiting="CrashLoopBackOff", restarts=4, terminated="OOMKilled")
    cluster.add_pod(NAMESPACE, "worker", labels={"app": "worker"})
    return cluster


@pytest.fixture
async def inspector(cluster: FakeCluster, tmp_path: Path) -> AsyncIterator[KubeInspector]:
    async with KubeServer(cluster) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        inspector = KubeInspector(KubeConnection(KubernetesSettings(kubeconfig=str(kubeconfig))))
        yield inspector
        await inspector.aclose()


async def next_line(stream: AsyncIterator[LogLine]) -> LogLine:
    async with asyncio.timeout(DEADLINE):
        return await anext(stream)


async def test_describe_reads_states_last_termination_and_only_the_pods_events(
    inspector: KubeInspector, cluster: FakeCluster
) -> None:
    cluster.add_event(NAMESPACE, involved_kind="Pod", involved_name="api-c", reason="BackOff", message="old")
    cluster.add_event(NAMESPACE, involved_kind="Pod", involved_name="api-c", reason="Pulled", message="new")
    cluster.add_event(NAMESPACE, involved_kind="Pod", involved_name="api-a", reason="Other", message="x")

    detail = await inspector.describe(NAMESPACE, "api-c")

    assert (detail.namespace, detail.name, detail.status) == (NAMESPACE, "api-c", "CrashLoopBackOff")
    assert detail.container_names == ("api", "envoy")
    api = detail.containers[0]
    assert (api.state.kind, api.state.reason) == ("Waiting", "CrashLoopBackOff")
    assert api.restart_count == 4
    assert api.last_state is not None
    assert (api.last_state.reason, api.last_state.exit_code) == ("OOMKilled", 137)
    assert api.last_state.finished_at is not None
    assert api.requests and api.limits
    assert detail.node and detail.pod_ips and detail.conditions
    assert [e.reason for e in detail.events] == ["Pulled", "BackOff"], "its own events only, newest first"
    assert detail.app_selector == "app=modulo-api"
    selectors = [r.query.get("fieldSelector") for r in cluster.requests if r.path.endswith("/events")]
    assert "involvedObject.name=api-c,involvedObject.namespace=shop" in selectors


async def test_tail_gives_the_last_lines_with_timestamps(
    inspector: KubeInspector, cluster: FakeCluster
) -> None:
    cluster.set_pod_log(NAMESPACE, "worker", [f"line {n}" for n in range(250)])
    lines = [line async for line in inspector.logs(NAMESPACE, "worker", tail=100)]
    assert [line.text for line in lines] == [f"line {n}" for n in range(150, 250)]
    assert all(line.timestamp is not None for line in lines)
    assert {line.pod for line in lines} == {"worker"}


async def test_previous_container_and_its_absence(inspector: KubeInspector, cluster: FakeCluster) -> None:
    cluster.set_pod_log(
        NAMESPACE, "api-c", ["starting", "fatal error: out of memory"], container="api", previous=True
    )
    previous = [
        line.text async for line in inspector.logs(NAMESPACE, "api-c", container="api", previous=True)
    ]
    assert previous == ["starting", "fatal error: out of memory"]

    with pytest.raises(InspectError, match='previous terminated container "api" in pod "api-a" not found'):
        _ = [line async for line in inspector.logs(NAMESPACE, "api-a", container="api", previous=True)]


async def test_follow_gets_appended_lines_until_the_container_ends(
    inspector: KubeInspector, cluster: FakeCluster
) -> None:
    cluster.set_pod_log(NAMESPACE, "worker", ["one", "two"])
    stream = inspector.logs(NAMESPACE, "worker", tail=100, follow=True)
    assert [(await next_line(stream)).text for _ in range(2)] == ["one", "two"]
    cluster.append_pod_log(NAMESPACE, "worker", "three", "four")
    assert [(await next_line(stream)).text for _ in range(2)] == ["three", "four"]
    cluster.end_pod_log(NAMESPACE, "worker")
    with pytest.raises(StopAsyncIteration):
        await next_line(stream)


async def test_follow_survives_a_dropped_stream_without_repeating_lines(
    inspector: KubeInspector, cluster: FakeCluster
) -> None:
    cluster.set_pod_log(NAMESPACE, "worker", ["one", "two", "three"])
    cluster.faults.drop_stream_after(f"/api/v1/namespaces/{NAMESPACE}/pods/worker/log", 3, times=1)
    stream = inspector.logs(NAMESPACE, "worker", tail=100, follow=True)
    assert [(await next_line(stream)).text for _ in range(3)] == ["one", "two", "three"]
    cluster.append_pod_log(NAMESPACE, "worker", "four")
    assert (await next_line(stream)).text == "four", "reopened after the drop, the old lines not repeated"
    await stream.aclose()


async def test_a_silent_follow_is_reopened_and_keeps_its_place(
    inspector: KubeInspector, cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kube_inspect, "FOLLOW_SILENCE", 0.2)
    reopened = asyncio.Event()
    record_request = cluster.record_request

    def record(request: RequestRecord) -> None:
        record_request(request)
        if request.path.endswith("/worker/log") and "sinceSeconds" in request.query:
            assert "tailLines" not in request.query
            reopened.set()

    monkeypatch.setattr(cluster, "record_request", record)
    cluster.set_pod_log(NAMESPACE, "worker", ["one"])
    stream = inspector.logs(NAMESPACE, "worker", tail=100, follow=True)
    assert (await next_line(stream)).text == "one"
    reading = asyncio.create_task(next_line(stream))
    async with asyncio.timeout(DEADLINE):
        await reopened.wait()
    cluster.append_pod_log(NAMESPACE, "worker", "two")
    assert (await reading).text == "two", "after the reopen: the new line, not the old one again"
    await stream.aclose()


async def test_all_pods_of_an_app_interleaved(inspector: KubeInspector, cluster: FakeCluster) -> None:
    for pod in ("api-a", "api-b"):
        cluster.set_pod_log(NAMESPACE, pod, [f"{pod} {n}" for n in range(3)], container="api")
    pods = await inspector.selector_pods(NAMESPACE, "app=modulo-api")
    assert pods == ["api-a", "api-b", "api-c"]
    lines = [line async for line in interleaved_logs(inspector, NAMESPACE, pods[:2], container="api")]
    assert sorted(line.text for line in lines) == sorted(
        f"{p} {n}" for p in ("api-a", "api-b") for n in range(3)
    )
    assert {line.pod for line in lines} == {"api-a", "api-b"}


async def test_api_errors_are_one_line_messages(inspector: KubeInspector, cluster: FakeCluster) -> None:
    with pytest.raises(InspectError, match=r'HTTP 404: pods "nope" not found'):
        await inspector.describe(NAMESPACE, "nope")
    with pytest.raises(InspectError, match="a container name must be specified"):
        _ = [line async for line in inspector.logs(NAMESPACE, "api-a")]
    with pytest.raises(InspectError, match="container nope is not valid"):
        _ = [line async for line in inspector.logs(NAMESPACE, "api-a", container="nope")]
    cluster.faults.fail(f"/api/v1/namespaces/{NAMESPACE}/pods/worker/log", 403, times=1)
    with pytest.raises(InspectError, match="HTTP 403: injected failure"):
        _ = [line async for line in inspector.logs(NAMESPACE, "worker")]


async def test_events_that_cannot_be_read_leave_the_rest_of_the_detail(
    inspector: KubeInspector, cluster: FakeCluster
) -> None:
    cluster.faults.fail(f"/api/v1/namespaces/{NAMESPACE}/events", 403, times=1)
    detail = await inspector.describe(NAMESPACE, "api-a")
    assert detail.status == "Running"
    assert detail.events == ()
    assert "HTTP 403" in detail.events_error


async def test_a_stalled_server_times_out_with_a_message(
    inspector: KubeInspector, cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kube_inspect, "REQUEST_TIMEOUT", 0.3)
    cluster.faults.stall(f"/api/v1/namespaces/{NAMESPACE}/pods/worker", times=1)
    with pytest.raises(InspectError, match="no answer within"):
        await inspector.describe(NAMESPACE, "worker")


async def test_enter_on_a_live_pod_shows_its_detail_log_and_the_apis_errors(
    cluster: FakeCluster, tmp_path: Path
) -> None:
    cluster.set_pod_log(NAMESPACE, "worker", [f"worker line {n}" for n in range(150)])
    async with KubeServer(cluster) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        settings = Settings(
            kubernetes=KubernetesSettings(kubeconfig=str(kubeconfig), namespaces=(NAMESPACE,))
        )
        app = custom_app(tmp_path, live_sources(settings), settings)
        async with app.run_test(size=(160, 48)) as pilot:
            table = app.query_one("#pods-pane").query_one(VirtualTable)
            await wait_until(pilot, lambda: any(pod.name == "worker" for pod in table.rows), "the live pods")
            await pilot.press("slash", *"shop/worker", "enter", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, PodDetailScreen), "the pod detail")
            screen = app.screen
            assert isinstance(screen, PodDetailScreen)
            view = screen.query_one(LogView)
            await wait_until(pilot, lambda: view.line_count == LOG_TAIL, "the last 100 lines")
            assert view.lines[-1].text == "worker line 149"
            assert "Running" in screen_text(app)

            await pilot.press("p")  # a container that never restarted has no previous log
            await wait_until(pilot, lambda: view.line_count == 1 and view.lines[0].note, "the API's message")
            assert 'previous terminated container "app" in pod "worker" not found' in view.lines[0].text
            assert "previous terminated container" in screen_text(app)
