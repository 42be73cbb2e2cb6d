"""The live inspector's pure parts: a raw pod to ``PodDetail``, and log lines from a byte stream."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from modulo_watch.collectors.kube.decode import KubeDecodeError
from modulo_watch.collectors.kube.detail import decode_pod, pod_detail
from modulo_watch.collectors.kube.log_lines import CUT_MARK, MAX_LINE_BYTES, parse_line, read_lines
from modulo_watch.collectors.models import KubeEvent

T0 = "2026-11-26T14:00:00Z"


def raw_pod(**status: Any) -> bytes:
    pod = {
        "metadata": {
            "name": "api-7d9f",
            "namespace": "shop",
            "creationTimestamp": T0,
            "labels": {"app.kubernetes.io/name": "api", "app": "legacy"},
            "annotations": {"kubectl.kubernetes.io/default-container": "api"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "api-7d9f", "controller": True}],
        },
        "spec": {
            "nodeName": "node-1",
            "initContainers": [{"name": "migrate", "image": "migrate:1"}],
            "containers": [
                {"name": "envoy", "image": "envoy:1"},
                {
                    "name": "api",
                    "image": "api:2",
                    "resources": {
                        "requests": {"cpu": "250m", "memory": "256Mi"},
                        "limits": {"memory": "512Mi"},
                    },
                },
            ],
        },
        "status": {
            "phase": "Running",
            "hostIP": "10.0.0.5",
            "podIP": "10.1.0.7",
            "podIPs": [{"ip": "10.1.0.7"}, {"ip": "fd00::7"}],
            "startTime": T0,
            "qosClass": "Burstable",
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": T0}
            ],
            "initContainerStatuses": [
                {
                    "name": "migrate",
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    "ready": True,
                }
            ],
            "containerStatuses": [
                {"name": "envoy", "ready": True, "state": {"running": {"startedAt": T0}}},
                {
                    "name": "api",
                    "restartCount": 7,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 137,
                            "reason": "OOMKilled",
                            "startedAt": T0,
                            "finishedAt": T0,
                        }
                    },
                },
            ],
            **status,
        },
    }
    return json.dumps(pod).encode()


def event(reason: str, hour: int | None) -> KubeEvent:
    seen = None if hour is None else datetime(2026, 11, 26, hour, tzinfo=UTC)
    return KubeEvent("shop", reason, "Warning", reason, "m", "Pod", "api-7d9f", 1, seen, seen)


def test_a_raw_pod_becomes_the_describe_detail() -> None:
    events = [event("Old", 10), event("Undated", None), event("New", 12)]
    detail = pod_detail(decode_pod(raw_pod()), events)
    assert (detail.status, detail.ready, detail.restarts) == ("CrashLoopBackOff", "1/2", 7)
    assert detail.container_names == ("api", "envoy", "migrate"), "the default container first"
    assert detail.app_selector == "app.kubernetes.io/name=api"
    assert detail.pod_ips == ("10.1.0.7", "fd00::7") and detail.host_ip == "10.0.0.5"
    assert detail.owner == "ReplicaSet/api-7d9f" and detail.qos_class == "Burstable"
    api = detail.containers[1]
    assert (api.state.kind, api.state.reason, api.state.message) == (
        "Waiting",
        "CrashLoopBackOff",
        "back-off 5m0s",
    )
    assert api.last_state is not None and (api.last_state.reason, api.last_state.exit_code) == (
        "OOMKilled",
        137,
    )
    assert api.requests == (("cpu", "250m"), ("memory", "256Mi")) and api.limits == (("memory", "512Mi"),)
    assert detail.init_containers[0].init and detail.init_containers[0].state.reason == "Completed"
    assert detail.conditions[0].last_transition == datetime(2026, 11, 26, 14, tzinfo=UTC)
    assert [e.reason for e in detail.events] == ["New", "Old", "Undated"]


def test_a_lone_surrogate_takes_the_slow_path_and_garbage_is_a_short_error() -> None:
    detail = pod_detail(decode_pod(raw_pod(reason="x\\udcffy").replace(b"x\\\\udcffy", b"x\\udcffy")))
    assert detail.reason == "x\udcffy"
    with pytest.raises(KubeDecodeError, match="pod"):
        decode_pod(b"<html>502 Bad Gateway</html>")
    with pytest.raises(KubeDecodeError):
        decode_pod(b'{"metadata": {"creationTimestamp": "yesterday"}}')


def test_timestamps_are_split_with_nanoseconds() -> None:
    line = parse_line(b"2026-11-26T14:00:00.123456789Z hello world\r")
    assert line.text == "hello world"
    assert line.moment == datetime(2026, 11, 26, 14, 0, 0, 123456, tzinfo=UTC)
    assert line.nanos is not None and line.nanos % 1_000_000_000 == 123_456_789
    later = parse_line(b"2026-11-26T15:00:00.5+01:00 same moment plus half a second")
    assert later.nanos == line.nanos - 123_456_789 + 500_000_000
    for raw in (b"no timestamp here", b"2026-13-40T99:00:00Z looks like one", b"\xff\xfe binary"):
        parsed = parse_line(raw)
        assert parsed.moment is None and parsed.nanos is None
    assert parse_line(b"\xff\xfe binary").text == "\ufffd\ufffd binary"


class Chunks:
    """A response body handing out the given chunks, then silence or the end."""

    def __init__(self, *chunks: bytes, hang: bool = False) -> None:
        self._chunks = list(chunks)
        self._hang = hang

    async def readany(self) -> bytes:
        if self._chunks:
            return self._chunks.pop(0)
        if self._hang:
            await asyncio.Event().wait()
        return b""


async def collect(body: Chunks, silence: float = 5.0) -> list[bytes]:
    return [line async for line in read_lines(body, silence)]


async def test_lines_are_joined_across_chunks_and_the_last_one_kept() -> None:
    assert await collect(Chunks(b"one\ntw", b"o\nthr", b"ee")) == [b"one", b"two", b"three"]


async def test_a_huge_line_is_cut_and_its_rest_skipped() -> None:
    huge = b"x" * (3 * MAX_LINE_BYTES)
    lines = await collect(
        Chunks(b"before\n" + huge[: MAX_LINE_BYTES + 10], huge[MAX_LINE_BYTES + 10 :] + b"\nafter\n")
    )
    assert lines == [b"before", b"x" * MAX_LINE_BYTES + CUT_MARK.encode(), b"after"]


async def test_silence_is_a_timeout() -> None:
    with pytest.raises(TimeoutError):
        await collect(Chunks(b"one\n", hang=True), silence=0.05)
