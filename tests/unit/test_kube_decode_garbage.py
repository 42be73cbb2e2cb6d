"""Bad bodies become one short KubeDecodeError; hostile strings come through unchanged."""

from __future__ import annotations

import json

import pytest

from modulo_watch.collectors.kube.decode import (
    PODS,
    KubeDecodeError,
    decode_event_list,
    decode_node_list,
    decode_pod_list,
    decode_pod_metrics_list,
    decode_watch_event,
)
from tests.hostile import HOSTILE_STRINGS
from tests.unit.test_kube_decode import Json, container, object_list, pod, running
from tests.unit.test_kube_decode_cluster import event

FORBIDDEN = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": 'pods is forbidden: User "system:serviceaccount:ops:watch" cannot list resource "pods"',
    "reason": "Forbidden",
    "details": {"kind": "pods"},
    "code": 403,
}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", r"^pod list: Input data was truncated$"),
        (
            b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            r"^pod list: JSON is malformed: invalid character",
        ),
        (b'{"kind":"PodList","items":[{"metadata":', r"^pod list: Input data was truncated$"),
        (b"[]", r"^pod list: Expected `object`, got `array`$"),
        (b"null", r"^pod list: Expected `object`, got `null`$"),
        (b"{}", r"^pod list: Object missing required field `items`$"),
        (b'{"items":{}}', r"^pod list: Expected `array \| null`, got `object` - at `\$.items`$"),
        (
            b'{"items":[{"metadata":{"name":42}}]}',
            r"Expected `str`, got `int` - at `\$.items\[0\].metadata.name`$",
        ),
        (
            b'{"items":[{"metadata":{"name":"p","creationTimestamp":"yesterday"}}]}',
            r"Invalid RFC3339 encoded datetime - at `\$.items\[0\].metadata.creationTimestamp`$",
        ),
        (
            b'{"items":[{"metadata":{"name":"p","creationTimestamp":"2026-05-01T10:00:00"}}]}',
            r"Expected `datetime` with a timezone component - at `\$.items\[0\].metadata.creationTimestamp`$",
        ),
        (
            b'{"items":[{"status":{"containerStatuses":[{"restartCount":"3"}]}}]}',
            r"Expected `int`, got `str`",
        ),
        (
            json.dumps(FORBIDDEN).encode(),
            r"^pod list: the server sent a Status: 403 Forbidden: pods is forbidden",
        ),
        (b'{"items":[{"metadata":{"name":"\xff"}}]}', r"^pod list: not UTF-8$"),
        (b'{"items":[],"x":' + b"[" * 200_000 + b"]" * 200_000 + b"}", r"^pod list: JSON nested too deeply$"),
    ],
)
def test_a_bad_body_is_one_short_decode_error(raw: bytes, message: str) -> None:
    with pytest.raises(KubeDecodeError, match=message) as caught:
        decode_pod_list(raw)

    assert isinstance(caught.value, ValueError)  # the collector's source-error path catches ValueError
    # No msgspec (or json) traceback chained underneath.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_error_messages_stay_short_whatever_the_server_sent() -> None:
    junk = b"\x1b]0;pwned\x07" + b"A" * 1_000_000
    long_type = b'{"type":"' + b"X" * 1_000_000 + b'","object":{}}'
    long_status = json.dumps({**FORBIDDEN, "message": "denied " * 100_000}).encode()
    long_name = pod(name="n" * 100_000, containers=[container("app", requests={"cpu": "9" * 100_000})])

    for call in (
        lambda: decode_pod_list(junk),
        lambda: decode_watch_event(long_type, PODS),
        lambda: decode_pod_list(long_status),
        lambda: decode_pod_list(object_list("PodList", long_name)),
        lambda: decode_node_list(b"[" + b"1," * 500_000 + b"1]"),
    ):
        with pytest.raises(KubeDecodeError) as caught:
            call()
        assert len(str(caught.value)) <= 300


def test_every_list_decoder_reports_its_own_kind() -> None:
    with pytest.raises(KubeDecodeError, match=r"^node list: "):
        decode_node_list(b"{}")
    with pytest.raises(KubeDecodeError, match=r"^event list: "):
        decode_event_list(b"{}")
    with pytest.raises(KubeDecodeError, match=r"^pod metrics list: the server sent a Status: 403"):
        decode_pod_metrics_list(json.dumps(FORBIDDEN).encode())


# --- Hostile strings ---------------------------------------------------------------------------------------


def hostile_pod(text: str) -> Json:
    return pod(
        name=text,
        namespace=text,
        labels={"app": text, text: "value"},
        owners=[
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": text, "uid": text, "controller": True}
        ],
        node=text,
        statuses=[running()],
    )


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=range(len(HOSTILE_STRINGS)))
def test_hostile_strings_come_through_unchanged(text: str) -> None:
    # json.dumps escapes everything outside ASCII, lone surrogates included (\udcff): valid JSON text.
    decoded = decode_pod_list(object_list("PodList", hostile_pod(text))).items[0]
    kube_event = decode_event_list(object_list("EventList", event(message=text, reason=text))).items[0]
    watched = decode_watch_event(json.dumps({"type": "ADDED", "object": hostile_pod(text)}).encode(), PODS)

    for item in (decoded, watched.object):
        assert item is not None
        assert (item.name, item.namespace, item.node, item.uid) == (text, text, text, f"uid-{text}")
        assert item.labels == (("app", text), (text, "value"))
        assert item.owner == f"ReplicaSet/{text}"
    assert (kube_event.message, kube_event.reason) == (text, text)


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=range(len(HOSTILE_STRINGS)))
def test_hostile_strings_as_raw_utf8(text: str) -> None:
    # A server that writes UTF-8 rather than escapes. A lone surrogate has no UTF-8 form: written
    # anyway (surrogatepass) it is invalid UTF-8, which must be an error, not a crash.
    raw = json.dumps({"metadata": {}, "items": [hostile_pod(text)]}, ensure_ascii=False)
    body = raw.encode("utf-8", "surrogatepass")

    if "\udcff" in text:
        with pytest.raises(KubeDecodeError, match="not UTF-8"):
            decode_pod_list(body)
    else:
        assert decode_pod_list(body).items[0].name == text


def test_an_error_about_a_hostile_object_is_still_short() -> None:
    bad = hostile_pod("x" * 10_000 + "\x1b]0;pwned\x07")
    bad["spec"]["containers"] = [container("app", requests={"memory": "\x1b[2J" * 1000})]

    with pytest.raises(KubeDecodeError) as caught:
        decode_pod_list(object_list("PodList", bad))

    assert str(caught.value).startswith("pod list: pod xxxx")
    assert len(str(caught.value)) <= 300
