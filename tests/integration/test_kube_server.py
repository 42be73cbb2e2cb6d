"""The loopback apiserver speaks the real wire protocol to the real ``kubernetes`` client, sync and aio.

Nothing of the client is mocked: it loads a kubeconfig, authenticates with the bearer token, builds
the requests and parses (or hands back raw) the responses as it would against a real cluster.

The client's models type every field Optional; results whose attributes a test chains are held as
``Any`` rather than narrowed field by field.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import kubernetes
import pytest
from kubernetes.aio import client as aio_client
from kubernetes.aio import config as aio_config

from tests.kube_server import NOT_JSON, FakeCluster, KubeServer, RequestRecord, ThreadedKubeServer

NAMESPACE = "payments"
READ_DEADLINE = 5.0  # seconds any single awaited line may take before the test fails


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster.generate(pods=1200, nodes=40, namespaces=8, seed=7, bookmark_interval=0.05)


@pytest.fixture
async def server(cluster: FakeCluster) -> AsyncIterator[KubeServer]:
    async with KubeServer(cluster) as running:
        yield running


@pytest.fixture
async def api(server: KubeServer, tmp_path: Path) -> AsyncIterator[aio_client.ApiClient]:
    configuration = aio_client.Configuration()
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    await aio_config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig), client_configuration=configuration
    )
    async with aio_client.ApiClient(configuration=configuration) as client:
        yield client


@pytest.fixture
def threaded(cluster: FakeCluster) -> Iterator[ThreadedKubeServer]:
    """The server on its own loop, for the sync client (which blocks the calling thread)."""
    with KubeServer.start_in_thread(cluster) as running:
        yield running


def sync_api(kubeconfig: Path) -> kubernetes.client.ApiClient:
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig), client_configuration=configuration
    )
    return kubernetes.client.ApiClient(configuration)


def in_namespace(cluster: FakeCluster, count: int = 1) -> list[str]:
    return [name for _, name in cluster.keys("pods", NAMESPACE)[:count]]


async def read_json(response: aiohttp.ClientResponse) -> Any:
    return json.loads(await response.read())


async def next_event(response: aiohttp.ClientResponse) -> dict[str, Any]:
    async with asyncio.timeout(READ_DEADLINE):
        line = await response.content.readline()
    assert line, "the watch ended early"
    event: dict[str, Any] = json.loads(line)
    return event


async def events_until(response: aiohttp.ClientResponse, wanted: set[str]) -> list[dict[str, Any]]:
    """Events up to and including the first of each wanted type (each line within the deadline)."""
    events: list[dict[str, Any]] = []
    while not wanted <= {event["type"] for event in events}:
        events.append(await next_event(response))
    return events


# -- the sync client ---------------------------------------------------------------------------------


def test_sync_client_pages_through_a_consistent_snapshot(
    threaded: ThreadedKubeServer, cluster: FakeCluster, tmp_path: Path
) -> None:
    expected = {f"{namespace}/{name}" for namespace, name in cluster.keys("pods")}
    doomed = cluster.keys("pods")[-1]  # on the last page, so the snapshot must still hold it
    seen: list[str] = []
    versions: set[str] = set()
    token = None
    with sync_api(threaded.server.write_kubeconfig(tmp_path / "config")) as api:
        core = kubernetes.client.CoreV1Api(api)
        while True:
            page: Any = core.list_pod_for_all_namespaces(limit=100, _continue=token)
            seen += [f"{pod.metadata.namespace}/{pod.metadata.name}" for pod in page.items]
            versions.add(page.metadata.resource_version)
            token = page.metadata._continue
            if len(seen) == 100:  # writes between pages must not show up in this list
                cluster.delete_pod(*doomed)
                cluster.add_pod(NAMESPACE, "zz-created-mid-list")
            if not token:
                break
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected
    assert len(versions) == 1


def test_sync_client_without_the_token_is_unauthorized(
    threaded: ThreadedKubeServer, cluster: FakeCluster, tmp_path: Path
) -> None:
    configuration = kubernetes.client.Configuration()
    configuration.host = threaded.url
    with (
        kubernetes.client.ApiClient(configuration) as anonymous,
        pytest.raises(kubernetes.client.ApiException) as caught,
    ):
        kubernetes.client.CoreV1Api(anonymous).list_node()
    assert caught.value.status == 401
    assert json.loads(str(caught.value.body))["reason"] == "Unauthorized"
    with sync_api(threaded.server.write_kubeconfig(tmp_path / "config")) as authorised:
        core = kubernetes.client.CoreV1Api(authorised)
        assert len(core.list_node().items) == 40
        raw: Any = core.list_node(_preload_content=False)  # typed as the model, but urllib3's response
        assert json.loads(raw.data)["kind"] == "NodeList"
    assert threaded.token not in repr(cluster.requests)  # headers are never logged


# -- lists, selectors, discovery ---------------------------------------------------------------------


async def test_raw_paginated_list_reads_bytes(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    core = aio_client.CoreV1Api(api)
    names: list[str] = []
    token: str | None = None
    while True:
        response = await core.list_pod_for_all_namespaces_without_preload_content(limit=250, _continue=token)
        assert response.status == 200
        page = await read_json(response)
        assert page["kind"] == "PodList"
        names += [item["metadata"]["name"] for item in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
        assert page["metadata"]["remainingItemCount"] == cluster.count("pods") - len(names)
    assert len(names) == cluster.count("pods")


async def test_expired_continue_token_is_410(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    core = aio_client.CoreV1Api(api)
    first: Any = await core.list_pod_for_all_namespaces(limit=10)
    cluster.expire_continue_tokens()
    with pytest.raises(aio_client.ApiException) as caught:
        await core.list_pod_for_all_namespaces(limit=10, _continue=first.metadata._continue)
    assert caught.value.status == 410
    status = json.loads(str(caught.value.body))
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")


async def test_continue_tokens_expire_after_their_ttl(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    cluster.continue_ttl = 0.0  # every token is already older than that by its next request
    core = aio_client.CoreV1Api(api)
    first: Any = await core.list_namespaced_event(NAMESPACE, limit=1)
    with pytest.raises(aio_client.ApiException) as caught:
        await core.list_namespaced_event(NAMESPACE, limit=1, _continue=first.metadata._continue)
    assert caught.value.status == 410


async def test_label_and_field_selectors(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    core = aio_client.CoreV1Api(api)
    pod = cluster.get("pods", NAMESPACE, in_namespace(cluster)[0])
    app, node = pod["metadata"]["labels"]["app"], pod["spec"]["nodeName"]
    by_label: Any = await core.list_namespaced_pod(NAMESPACE, label_selector=f"app in ({app},nothing-else)")
    assert by_label.items and all(p.metadata.labels["app"] == app for p in by_label.items)
    by_node: Any = await core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}")
    assert pod["metadata"]["name"] in {p.metadata.name for p in by_node.items}
    assert all(p.spec.node_name == node for p in by_node.items)
    not_running: Any = await core.list_pod_for_all_namespaces(field_selector="status.phase!=Running")
    assert all(p.status.phase != "Running" for p in not_running.items)
    events: Any = await core.list_event_for_all_namespaces(
        field_selector=f"involvedObject.name={pod['metadata']['name']}"
    )
    assert all(e.involved_object.name == pod["metadata"]["name"] for e in events.items)
    with pytest.raises(aio_client.ApiException) as caught:
        await core.list_pod_for_all_namespaces(field_selector="spec.unknownField=x")
    assert caught.value.status == 400


async def test_typed_models_accept_every_kind(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    """The client's own models parse what the server sends: the shapes match the real API."""
    core, apps = aio_client.CoreV1Api(api), aio_client.AppsV1Api(api)
    nodes: Any = await core.list_node()
    assert {condition.type for condition in nodes.items[0].status.conditions} >= {"Ready", "MemoryPressure"}
    assert nodes.items[0].status.node_info.kubelet_version.startswith("v1.")
    deployments = await apps.list_deployment_for_all_namespaces()
    assert len(deployments.items) == cluster.count("deployments")
    replica_sets: Any = await apps.list_namespaced_replica_set(NAMESPACE)
    assert all(rs.metadata.annotations["deployment.kubernetes.io/revision"] for rs in replica_sets.items)
    pods: Any = await core.list_pod_for_all_namespaces()
    assert any(
        status.state.waiting is not None and status.state.waiting.reason == "CrashLoopBackOff"
        for pod in pods.items
        for status in pod.status.container_statuses or []
    )
    one: Any = await core.read_namespaced_pod(in_namespace(cluster)[0], NAMESPACE)
    assert one.kind == "Pod" and one.metadata.owner_references[0].kind == "ReplicaSet"
    namespaces: Any = await core.list_namespace()
    assert namespaces.items[0].status.phase == "Active"


async def test_discovery(api: aio_client.ApiClient) -> None:
    version: Any = await aio_client.VersionApi(api).get_code()
    assert version.git_version.startswith("v1.")
    assert (await aio_client.CoreApi(api).get_api_versions()).versions == ["v1"]
    groups: Any = await aio_client.ApisApi(api).get_api_versions()
    assert {group.name for group in groups.groups} == {"apps", "metrics.k8s.io"}
    resources: Any = await aio_client.CoreV1Api(api).get_api_resources()
    assert {"pods", "pods/log", "nodes", "events"} <= {resource.name for resource in resources.resources}


# -- watches -----------------------------------------------------------------------------------------


async def test_watch_delivers_changes_after_the_resource_version(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    core = aio_client.CoreV1Api(api)
    listed: Any = await core.list_namespaced_pod(NAMESPACE, limit=1)
    changed, deleted = in_namespace(cluster, 2)
    cluster.update_pod(NAMESPACE, changed, lambda pod: pod["metadata"]["labels"].update(touched="yes"))
    cluster.delete_pod(NAMESPACE, deleted)
    response = await core.list_namespaced_pod_without_preload_content(
        NAMESPACE, watch=True, resource_version=listed.metadata.resource_version, allow_watch_bookmarks=True
    )
    async with response:  # released (or closed) however the test ends
        cluster.add_pod(NAMESPACE, "fresh-pod")  # after the watch opened, too
        events = await events_until(response, {"MODIFIED", "DELETED", "ADDED", "BOOKMARK"})
        changes = [
            (e["type"], e["object"]["metadata"].get("name")) for e in events if e["type"] != "BOOKMARK"
        ]
        assert changes == [("MODIFIED", changed), ("DELETED", deleted), ("ADDED", "fresh-pod")]
        modified = events[[e["type"] for e in events].index("MODIFIED")]["object"]
        assert modified["kind"] == "Pod" and modified["metadata"]["labels"]["touched"] == "yes"
        bookmark = next(e for e in events if e["type"] == "BOOKMARK")["object"]
        assert set(bookmark) == {"kind", "apiVersion", "metadata"}
        assert int(bookmark["metadata"]["resourceVersion"]) >= int(listed.metadata.resource_version)


async def test_watch_with_a_selector_sees_objects_leave_it(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    core = aio_client.CoreV1Api(api)
    name = next(
        n
        for n in in_namespace(cluster, 50)
        if cluster.get("pods", NAMESPACE, n)["status"]["phase"] == "Running"
    )
    response = await core.list_namespaced_pod_without_preload_content(
        NAMESPACE,
        watch=True,
        resource_version=cluster.resource_version,
        field_selector="status.phase=Running",
    )
    async with response:
        cluster.set_pod_status(NAMESPACE, name, phase="Failed", terminated="Error")
        event = await next_event(response)
        assert (event["type"], event["object"]["metadata"]["name"]) == ("DELETED", name)


async def test_watch_without_a_version_starts_with_the_current_state(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    response = await aio_client.CoreV1Api(api).list_node_without_preload_content(watch=True)
    async with response:
        added = [await next_event(response) for _ in range(cluster.count("nodes"))]
        assert {e["type"] for e in added} == {"ADDED"}
        name = added[0]["object"]["metadata"]["name"]
        cluster.set_node_condition(name, "Ready", "Unknown")
        event = await next_event(response)
        ready = next(c for c in event["object"]["status"]["conditions"] if c["type"] == "Ready")
        assert (event["type"], ready["status"], ready["reason"]) == (
            "MODIFIED",
            "Unknown",
            "NodeStatusUnknown",
        )


async def test_watch_from_a_compacted_version_gets_410_gone(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    old = cluster.resource_version
    cluster.update_pod(NAMESPACE, in_namespace(cluster)[0], lambda pod: None)
    cluster.compact()
    response = await aio_client.CoreV1Api(api).list_pod_for_all_namespaces_without_preload_content(
        watch=True, resource_version=old
    )
    async with response:
        assert response.status == 200  # as the apiserver does: the error is an event, then the stream ends
        event = await next_event(response)
        assert event["type"] == "ERROR"
        assert (event["object"]["kind"], event["object"]["code"], event["object"]["reason"]) == (
            "Status",
            410,
            "Expired",
        )
        async with asyncio.timeout(READ_DEADLINE):
            assert await response.content.read() == b""


async def test_watch_falls_out_of_a_short_history_with_410(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    cluster.history_limit = 3
    start = cluster.resource_version
    for name in in_namespace(cluster, 5):
        cluster.update_pod(NAMESPACE, name, lambda pod: None)
    response = await aio_client.CoreV1Api(api).list_namespaced_pod_without_preload_content(
        NAMESPACE, watch=True, resource_version=start
    )
    async with response:
        assert (await next_event(response))["object"]["code"] == 410


async def test_watch_timeout_ends_the_stream_cleanly(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    response = await aio_client.CoreV1Api(api).list_namespaced_pod_without_preload_content(
        NAMESPACE, watch=True, resource_version=cluster.resource_version, timeout_seconds=1
    )
    async with response:
        async with asyncio.timeout(READ_DEADLINE):
            assert await response.content.read() == b""  # a complete chunked body: no payload error


async def test_churn_reaches_every_watcher(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    start = int(cluster.resource_version)
    response = await aio_client.CoreV1Api(api).list_pod_for_all_namespaces_without_preload_content(
        watch=True, resource_version=str(start), allow_watch_bookmarks=True
    )
    async with response:
        made = await cluster.churn(rate_per_second=400, duration=0.25, seed=3)
        assert made > 0
        final = int(cluster.resource_version)
        pod_changes = sum(1 for change in cluster.changes_since(start)[0] if change.resource == "pods")
        kinds: list[str] = []
        while True:  # a bookmark at the final version means every pod change before it was sent
            event = await next_event(response)
            if event["type"] == "BOOKMARK" and int(event["object"]["metadata"]["resourceVersion"]) >= final:
                break
            if event["type"] != "BOOKMARK":
                kinds.append(event["type"])
        assert len(kinds) == pod_changes
        assert {"ADDED", "MODIFIED", "DELETED"} <= set(kinds)


# -- metrics, logs, scenarios ------------------------------------------------------------------------

QUANTITY_CPU = re.compile(r"^\d+(n|m)?$")
QUANTITY_MEMORY = re.compile(r"^\d+(Ki|Mi)$")


async def test_metrics_through_custom_objects(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    metrics = aio_client.CustomObjectsApi(api)
    pods: Any = await metrics.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "pods")
    assert pods["kind"] == "PodMetricsList" and len(pods["items"]) == cluster.count("podmetrics")
    usage = [c["usage"] for item in pods["items"] for c in item["containers"]]
    assert all(QUANTITY_CPU.match(u["cpu"]) and QUANTITY_MEMORY.match(u["memory"]) for u in usage)
    nodes: Any = await metrics.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
    assert nodes["kind"] == "NodeMetricsList" and "cpu" in nodes["items"][0]["usage"]
    name = in_namespace(cluster)[0]
    container = cluster.get("pods", NAMESPACE, name)["spec"]["containers"][0]["name"]
    cluster.set_pod_metrics(NAMESPACE, name, {container: ("250m", "512Mi")})
    one: Any = await metrics.list_namespaced_custom_object(
        "metrics.k8s.io", "v1beta1", NAMESPACE, "pods", field_selector=f"metadata.name={name}"
    )
    assert one["items"][0]["containers"] == [{"name": container, "usage": {"cpu": "250m", "memory": "512Mi"}}]


async def test_pod_logs_with_tail_lines(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    core = aio_client.CoreV1Api(api)
    name = in_namespace(cluster)[0]
    container = cluster.get("pods", NAMESPACE, name)["spec"]["containers"][0]["name"]
    cluster.set_pod_log(NAMESPACE, name, ["one", "two", "three"], container=container)
    text = await core.read_namespaced_pod_log(name, NAMESPACE, container=container, tail_lines=2)
    assert text == "two\nthree\n"
    stamped = await core.read_namespaced_pod_log(name, NAMESPACE, container=container, timestamps=True)
    assert re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \w+\n){3}", stamped)
    with pytest.raises(aio_client.ApiException) as caught:
        await core.read_namespaced_pod_log("no-such-pod", NAMESPACE)
    assert caught.value.status == 404


async def test_previous_log_of_a_crash_looping_container(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    name = in_namespace(cluster)[0]
    container = cluster.get("pods", NAMESPACE, name)["spec"]["containers"][0]["name"]
    core = aio_client.CoreV1Api(api)
    with pytest.raises(aio_client.ApiException) as caught:  # no restart yet, so no previous container
        await core.read_namespaced_pod_log(name, NAMESPACE, container=container, previous=True)
    assert caught.value.status == 400
    cluster.set_pod_status(NAMESPACE, name, restarts=3, terminated="OOMKilled", waiting="CrashLoopBackOff")
    previous = await core.read_namespaced_pod_log(name, NAMESPACE, container=container, previous=True)
    assert previous.endswith("fatal error: runtime: out of memory\n")


async def test_followed_log_streams_until_the_log_ends(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    name = in_namespace(cluster)[0]
    container = cluster.get("pods", NAMESPACE, name)["spec"]["containers"][0]["name"]
    cluster.set_pod_log(NAMESPACE, name, ["before"], container=container)
    response = await aio_client.CoreV1Api(api).read_namespaced_pod_log_without_preload_content(
        name, NAMESPACE, container=container, follow=True
    )
    async with response:
        async with asyncio.timeout(READ_DEADLINE):
            assert await response.content.readline() == b"before\n"
            cluster.append_pod_log(NAMESPACE, name, "after", container=container)
            assert await response.content.readline() == b"after\n"
            cluster.end_pod_log(NAMESPACE, name, container=container)
            assert await response.content.read() == b""


async def test_failed_rollout(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    apps = aio_client.AppsV1Api(api)
    deployments: Any = await apps.list_namespaced_deployment(NAMESPACE)
    deployment = next(d for d in deployments.items if d.spec.replicas > 1)
    revision = int(deployment.metadata.annotations["deployment.kubernetes.io/revision"])
    new_set = cluster.rollout(NAMESPACE, deployment.metadata.name, healthy=False)
    rolled: Any = await apps.read_namespaced_deployment(deployment.metadata.name, NAMESPACE)
    progressing = next(c for c in rolled.status.conditions if c.type == "Progressing")
    assert (progressing.status, progressing.reason) == ("False", "ProgressDeadlineExceeded")
    assert rolled.metadata.annotations["deployment.kubernetes.io/revision"] == str(revision + 1)
    replica_set: Any = await apps.read_namespaced_replica_set(new_set, NAMESPACE)
    assert (
        replica_set.spec.template.spec.containers[0].image
        != deployment.spec.template.spec.containers[0].image
    )
    pods: Any = await aio_client.CoreV1Api(api).list_namespaced_pod(
        NAMESPACE, label_selector=f"pod-template-hash={replica_set.metadata.labels['pod-template-hash']}"
    )
    assert len(pods.items) == deployment.spec.replicas
    assert {p.status.container_statuses[0].state.waiting.reason for p in pods.items} == {"CrashLoopBackOff"}


# -- faults ------------------------------------------------------------------------------------------


def attempts(cluster: FakeCluster, path: str) -> list[RequestRecord]:
    return [request for request in cluster.requests if request.path == path]


async def test_injected_500_is_an_api_exception(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    cluster.faults.fail("/api/v1/nodes", status=500, times=1)
    core = aio_client.CoreV1Api(api)
    with pytest.raises(aio_client.ApiException) as caught:
        await core.list_node()
    assert caught.value.status == 500
    assert len((await core.list_node()).items) == 40  # used up after one request
    assert len(attempts(cluster, "/api/v1/nodes")) == 2


async def test_dropped_stream_ends_the_iteration(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    cluster.faults.drop_stream_after("/api/v1/namespaces/*/pods", events=2)
    response = await aio_client.CoreV1Api(api).list_namespaced_pod_without_preload_content(
        NAMESPACE, watch=True, resource_version=cluster.resource_version
    )
    async with response:
        for name in in_namespace(cluster, 4):
            cluster.update_pod(NAMESPACE, name, lambda pod: None)
        lines: list[bytes] = []
        with pytest.raises(aiohttp.ClientPayloadError):  # no closing chunk: the body is incomplete
            async with asyncio.timeout(READ_DEADLINE):
                async for line in response.content:
                    lines.append(line)
        assert [json.loads(line)["type"] for line in lines] == ["MODIFIED", "MODIFIED"]


async def test_garbage_is_delivered_as_is(api: aio_client.ApiClient, cluster: FakeCluster) -> None:
    cluster.faults.garbage("/api/v1/nodes", times=1)
    response = await aio_client.CoreV1Api(api).list_node_without_preload_content()
    async with response:
        assert response.status == 200
        assert await response.read() == NOT_JSON


async def test_stall_sends_nothing_until_the_client_gives_up(
    api: aio_client.ApiClient, cluster: FakeCluster
) -> None:
    cluster.faults.stall("/api/v1/nodes")
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await aio_client.CoreV1Api(api).list_node(_request_timeout=0.3)
    assert time.monotonic() - started < READ_DEADLINE
    assert len(attempts(cluster, "/api/v1/nodes")) == 1


# -- scale -------------------------------------------------------------------------------------------


async def test_paginated_list_of_a_big_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """20k pods keep the suite fast; tests/kube_server/README.md has the 150k figures (same code)."""
    started = time.perf_counter()
    cluster = FakeCluster.generate(pods=20_000, seed=11)
    generated = time.perf_counter() - started
    async with KubeServer(cluster) as server:
        configuration = aio_client.Configuration()
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        await aio_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig), client_configuration=configuration
        )
        async with aio_client.ApiClient(configuration=configuration) as client:
            core = aio_client.CoreV1Api(client)
            started = time.perf_counter()
            count, pages, size, token = 0, 0, 0, None
            while True:
                response = await core.list_pod_for_all_namespaces_without_preload_content(
                    limit=500, _continue=token
                )
                body = await response.read()
                size += len(body)
                page = json.loads(body)
                count += len(page["items"])
                pages += 1
                token = page["metadata"].get("continue")
                if not token:
                    break
            listed = time.perf_counter() - started
    assert count == 20_000 and pages == 40
    with capsys.disabled():
        print(
            f"\n20k pods: generated in {generated:.2f} s; listed in {pages} pages of 500"
            f" ({size / 1e6:.0f} MB, parsed with json.loads) in {listed:.2f} s"
        )
