"""Watch lines (one JSON object a line): each event type, bookmarks, and the 410 that forces a relist."""

from __future__ import annotations

import json

import msgspec
import pytest

from modulo_watch.collectors.kube.decode import (
    EVENTS,
    NODES,
    PODS,
    KubeDecodeError,
    WatchStatus,
    decode_watch_event,
)
from tests.unit.test_kube_decode import READY, Json, pod, running, waiting
from tests.unit.test_kube_decode_cluster import event, node


def line(event_type: str, item: Json) -> bytes:
    return json.dumps({"type": event_type, "object": item}).encode() + b"\n"


def with_version(item: Json, version: str) -> Json:
    item["metadata"]["resourceVersion"] = version
    return item


@pytest.mark.parametrize("event_type", ["ADDED", "MODIFIED", "DELETED"])
def test_object_events_carry_the_model_and_its_resource_version(event_type: str) -> None:
    item = with_version(pod(name="api-1", statuses=[waiting("CrashLoopBackOff", restarts=3)]), "50123")

    decoded = decode_watch_event(line(event_type, item), PODS)

    assert decoded.type == event_type
    assert decoded.resource_version == "50123"
    assert decoded.object is not None
    assert (decoded.object.key, decoded.object.status, decoded.object.restarts) == (
        "prod/api-1",
        "CrashLoopBackOff",
        3,
    )
    assert decoded.error is None


def test_a_bookmark_carries_only_a_resource_version() -> None:
    # What the API server sends: an object of the watched kind with nothing but its version (and,
    # for pods, a null container list that a full pod decode would reject).
    bookmark = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "resourceVersion": "60001",
            "creationTimestamp": None,
            "annotations": {"k8s.io/initial-events-end": "true"},
        },
        "spec": {"containers": None},
        "status": {},
    }

    decoded = decode_watch_event(line("BOOKMARK", bookmark), PODS)

    assert (decoded.type, decoded.resource_version, decoded.object, decoded.error) == (
        "BOOKMARK",
        "60001",
        None,
        None,
    )


def test_error_410_gone() -> None:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "too old resource version: 41 (60001)",
        "reason": "Expired",
        "code": 410,
    }

    decoded = decode_watch_event(line("ERROR", status), PODS)

    assert decoded.type == "ERROR"
    assert decoded.resource_version == ""
    assert decoded.object is None
    assert decoded.error == WatchStatus(410, "Expired", "too old resource version: 41 (60001)")
    assert decoded.error.gone


def test_another_error_is_not_gone() -> None:
    status = {"kind": "Status", "status": "Failure", "message": "etcdserver: request timed out", "code": 500}

    decoded = decode_watch_event(line("ERROR", status), NODES)

    assert decoded.error is not None
    assert (decoded.error.code, decoded.error.gone) == (500, False)


def test_node_and_event_watches() -> None:
    node_event = decode_watch_event(
        line("MODIFIED", with_version(node(conditions={"Ready": "False"}), "77")), NODES
    )
    kube_event = decode_watch_event(
        line("ADDED", with_version(event(lastTimestamp="2026-05-01T10:09:00Z"), "78")), EVENTS
    )

    assert node_event.object is not None and node_event.object.status == "NotReady"
    assert node_event.resource_version == "77"
    assert kube_event.object is not None and kube_event.object.reason == "BackOff"
    assert kube_event.resource_version == "78"


def test_decoders_are_built_once_not_per_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_new_decoders(*args: object, **kwargs: object) -> None:
        raise AssertionError("a decoder was built for one line")

    monkeypatch.setattr(msgspec.json, "Decoder", no_new_decoders)

    for event_type in ("ADDED", "MODIFIED", "DELETED"):
        assert decode_watch_event(line(event_type, pod(statuses=[running()], conditions=READY)), PODS).object
    assert (
        decode_watch_event(line("BOOKMARK", {"metadata": {"resourceVersion": "1"}}), PODS).resource_version
        == "1"
    )
    assert decode_watch_event(line("ERROR", {"code": 410}), PODS).error


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"type":"SYNC","object":{}}', r"pod watch event: unknown type 'SYNC'"),
        (b'{"type":"ADDED"}', r"pod watch event: Expected `object`, got `null`"),
        (b'{"object":{}}', r"pod watch event: Object missing required field `type`"),
        (
            b'{"type":"ADDED","object":{"metadata":{"name":7}}}',
            r"Expected `str`, got `int` - at `\$.metadata.name`",
        ),
        (b'{"type":"ADDED","object":[]}', r"pod watch event: Expected `object`, got `array`"),
        (b'{"type":"BOOKMARK","object":"60001"}', r"pod watch event: Expected `object`, got `str`"),
        (b'{"type":"ERROR","object":{"code":"410"}}', r"Expected `int`, got `str` - at `\$.code`"),
        (b"", r"pod watch event: Input data was truncated"),
        (b'{"type":"ADDED","object":{"metad', r"pod watch event: Input data was truncated"),
        (b"event: ADDED", r"pod watch event: JSON is malformed"),
        (
            b'{"type":"ADDED","object":{}}{"type":"DELETED","object":{}}',
            r"JSON is malformed: trailing characters",
        ),
    ],
)
def test_a_bad_line_is_a_short_decode_error(raw: bytes, message: str) -> None:
    with pytest.raises(KubeDecodeError, match=message):
        decode_watch_event(raw, PODS)


def test_an_object_without_a_creation_time_is_an_error() -> None:
    item = pod(name="api-1")
    del item["metadata"]["creationTimestamp"]

    with pytest.raises(
        KubeDecodeError, match=r"pod watch event: pod prod/api-1: no metadata.creationTimestamp"
    ):
        decode_watch_event(line("ADDED", item), PODS)
