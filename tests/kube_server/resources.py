"""The kinds the server serves, the stored form of one object, and the sorted store of one kind."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tests.kube_server.selectors import FieldRequirement, Predicate, field_selector, label_selector

Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped kinds
JSON = dict[str, Any]


@dataclass(frozen=True)
class ResourceType:
    name: str  # what FakeCluster methods call it: "pods", "podmetrics" ...
    plural: str  # the URL segment
    singular: str
    kind: str
    api_version: str
    namespaced: bool
    fields: tuple[str, ...] = ()  # selectable fields besides metadata.name and metadata.namespace
    watchable: bool = True
    short_names: tuple[str, ...] = ()

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def selectable(self) -> frozenset[str]:
        own = ("metadata.name", "metadata.namespace") if self.namespaced else ("metadata.name",)
        return frozenset(own + self.fields)

    def field_values(self, obj: JSON) -> dict[str, str]:
        """The selectable fields of an object, kept beside its bytes so selectors never parse JSON."""
        values: dict[str, str] = {}
        for path in self.fields:
            value: Any = obj
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, bool):
                values[path] = "true" if value else "false"
            elif value is not None:
                values[path] = str(value)
        return values


RESOURCES: dict[str, ResourceType] = {
    rtype.name: rtype
    for rtype in (
        ResourceType("namespaces", "namespaces", "namespace", "Namespace", "v1", False, ("status.phase",)),
        ResourceType(
            "pods", "pods", "pod", "Pod", "v1", True, ("spec.nodeName", "status.phase"), short_names=("po",)
        ),
        ResourceType(
            "nodes", "nodes", "node", "Node", "v1", False, ("spec.unschedulable",), short_names=("no",)
        ),
        ResourceType(
            "events",
            "events",
            "event",
            "Event",
            "v1",
            True,
            (
                "involvedObject.kind",
                "involvedObject.name",
                "involvedObject.namespace",
                "involvedObject.uid",
                "reason",
                "type",
                "source",
            ),
            short_names=("ev",),
        ),
        ResourceType(
            "deployments", "deployments", "deployment", "Deployment", "apps/v1", True, short_names=("deploy",)
        ),
        ResourceType(
            "replicasets", "replicasets", "replicaset", "ReplicaSet", "apps/v1", True, short_names=("rs",)
        ),
        ResourceType("podmetrics", "pods", "", "PodMetrics", "metrics.k8s.io/v1beta1", True, watchable=False),
        ResourceType(
            "nodemetrics", "nodes", "", "NodeMetrics", "metrics.k8s.io/v1beta1", False, watchable=False
        ),
    )
}
BY_PATH: dict[tuple[str, str], ResourceType] = {(r.api_version, r.plural): r for r in RESOURCES.values()}
API_VERSIONS: tuple[str, ...] = tuple(dict.fromkeys(r.api_version for r in RESOURCES.values()))


@dataclass(slots=True)
class Record:
    """One object as stored: its JSON bytes, serialised once, plus what selectors need."""

    key: Key
    rv: int
    raw: bytes
    labels: Mapping[str, str]
    fields: Mapping[str, str]


@dataclass(frozen=True)
class Filter:
    """What one list or watch request selects: a namespace, a label and a field selector."""

    namespace: str | None
    labels: Predicate | None
    fields: tuple[FieldRequirement, ...]

    @classmethod
    def parse(
        cls, rtype: ResourceType, namespace: str | None, labels: str | None, fields: str | None
    ) -> Filter:
        return cls(namespace, label_selector(labels), field_selector(fields, rtype.selectable))

    @property
    def selects_all(self) -> bool:
        return self.labels is None and not self.fields

    def matches(self, key: Key, labels: Mapping[str, str], fields: Mapping[str, str]) -> bool:
        if self.namespace is not None and key[0] != self.namespace:
            return False
        if self.labels is not None and not self.labels(labels):
            return False
        for req in self.fields:
            if req.field == "metadata.name":
                value = key[1]
            elif req.field == "metadata.namespace":
                value = key[0]
            else:
                value = fields.get(req.field, "")
            if (value == req.value) != req.equal:
                return False
        return True


class Collection:
    """The objects of one kind, kept in etcd key order (namespace, then name), as lists return them."""

    def __init__(self, rtype: ResourceType) -> None:
        self.type = rtype
        self._records: dict[Key, Record] = {}
        self._keys: list[Key] = []

    def __len__(self) -> int:
        return len(self._records)

    def get(self, key: Key) -> Record | None:
        return self._records.get(key)

    def put(self, record: Record) -> Record | None:
        previous = self._records.get(record.key)
        self._records[record.key] = record
        if previous is None:
            bisect.insort(self._keys, record.key)
        return previous

    def remove(self, key: Key) -> Record | None:
        record = self._records.pop(key, None)
        if record is not None:
            del self._keys[bisect.bisect_left(self._keys, key)]
        return record

    def load(self, records: Iterable[Record]) -> None:
        """Bulk insert for generated clusters: one sort instead of an insort per object."""
        for record in records:
            self._records[record.key] = record
        self._keys = sorted(self._records)

    def keys(self, namespace: str | None = None) -> list[Key]:
        if namespace is None:
            return list(self._keys)
        low = bisect.bisect_left(self._keys, (namespace, ""))
        high = bisect.bisect_left(self._keys, (namespace + "\x00", ""))
        return self._keys[low:high]

    def select(self, selection: Filter) -> Iterator[Record]:
        records = self._records
        keys = self.keys(selection.namespace)
        if selection.selects_all:
            return (records[key] for key in keys)
        return (
            record
            for record in (records[key] for key in keys)
            if selection.matches(record.key, record.labels, record.fields)
        )
