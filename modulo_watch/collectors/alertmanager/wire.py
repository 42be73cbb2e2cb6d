"""Alertmanager's v2 API as it arrives: alerts and silences, read leniently one item at a time.

A payload of the wrong shape (not JSON, not a list) is an error; one unreadable alert in a good list is left
out and counted, so a single bad label does not hide every other alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, TypeVar

import msgspec

from modulo_watch.collectors.models import Acknowledgement, Alert

# Aware only: a naive time could not be compared with the clock's, and would fail far from here.
AwareTime = Annotated[datetime, msgspec.Meta(tz=True)]
Item = TypeVar("Item", bound=msgspec.Struct)


class WireStatus(msgspec.Struct, frozen=True):
    state: str
    silenced_by: list[str] | None = msgspec.field(default=None, name="silencedBy")
    inhibited_by: list[str] | None = msgspec.field(default=None, name="inhibitedBy")


class WireAlert(msgspec.Struct, frozen=True):
    labels: dict[str, str]
    starts_at: AwareTime = msgspec.field(name="startsAt")
    fingerprint: str
    status: WireStatus
    annotations: dict[str, str] | None = None
    generator_url: str = msgspec.field(default="", name="generatorURL")


class WireSilenceStatus(msgspec.Struct, frozen=True):
    state: str  # active, pending or expired


class WireSilence(msgspec.Struct, frozen=True):
    id: str
    status: WireSilenceStatus
    ends_at: AwareTime = msgspec.field(name="endsAt")
    created_by: str = msgspec.field(default="", name="createdBy")
    comment: str = ""


class ShapeError(ValueError):
    """The payload as a whole is not what the API sends; the message says how, quoting no data."""


def decode_list(body: bytes, item_type: type[Item]) -> tuple[list[Item], int]:
    """The readable items of a JSON list, and how many were not readable as ``item_type``."""
    try:
        raw_items = msgspec.json.decode(body, type=list[msgspec.Raw])
    except msgspec.ValidationError:
        raise ShapeError(f"expected a JSON list, got {_json_kind(body)}") from None
    except msgspec.DecodeError:
        raise ShapeError("the answer is not JSON") from None
    items: list[Item] = []
    for raw in raw_items:
        try:
            items.append(msgspec.json.decode(raw, type=item_type))
        except msgspec.ValidationError:
            continue
    return items, len(raw_items) - len(items)


_JSON_KINDS = {b"{": "an object", b'"': "a string", b"n": "null", b"t": "true", b"f": "false"}


def _json_kind(body: bytes) -> str:
    return _JSON_KINDS.get(body.lstrip()[:1], "a number")


def first_annotation(annotations: Mapping[str, str], *names: str) -> str:
    return next((annotations[name] for name in names if annotations.get(name)), "")


def to_alert(wire: WireAlert, acknowledgement: Acknowledgement | None = None) -> Alert:
    annotations = wire.annotations or {}
    return Alert(
        fingerprint=wire.fingerprint,
        name=wire.labels.get("alertname", ""),
        severity=wire.labels.get("severity", ""),
        state=wire.status.state,
        starts_at=wire.starts_at,
        summary=first_annotation(annotations, "summary", "message"),
        labels=tuple(sorted(wire.labels.items())),
        runbook_url=first_annotation(annotations, "runbook_url", "runbook"),
        description=annotations.get("description", ""),
        annotations=tuple(sorted(annotations.items())),
        generator_url=wire.generator_url,
        silenced_by=tuple(wire.status.silenced_by or ()),
        inhibited_by=tuple(wire.status.inhibited_by or ()),
        acknowledgement=acknowledgement,
    )
