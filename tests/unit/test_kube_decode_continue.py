"""Reading a list page's continue token ahead of decoding the page."""

from __future__ import annotations

import json

import pytest

from modulo_watch.collectors.kube.decode import list_continue

TOKEN = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzLCJzdGFydCI6Im5zL3BvZCJ9"
ITEM = {"metadata": {"name": "a", "namespace": "ns", "labels": {"continue": "not-this"}}}


def body(*pairs: tuple[str, object]) -> bytes:
    return json.dumps(dict(pairs), separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # As the API server writes it: kind, apiVersion, metadata, then the items.
        (
            body(
                ("kind", "PodList"),
                ("apiVersion", "v1"),
                ("metadata", {"resourceVersion": "7", "continue": TOKEN}),
                ("items", [ITEM]),
            ),
            TOKEN,
        ),
        (
            body(
                ("kind", "PodList"),
                ("apiVersion", "v1"),
                ("metadata", {"resourceVersion": "7"}),
                ("items", [ITEM]),
            ),
            None,
        ),
        (body(("metadata", {"continue": TOKEN, "remainingItemCount": 3}), ("items", [])), TOKEN),
        # Another order is read whole.
        (body(("items", [ITEM]), ("metadata", {"continue": TOKEN})), TOKEN),
        (body(("items", [ITEM]), ("metadata", {})), None),
        (b"<html>502 Bad Gateway</html>", None),
        (b"", None),
    ],
)
def test_the_token_is_found_wherever_the_metadata_is(raw: bytes, expected: str | None) -> None:
    assert list_continue(raw) == expected
