"""The cluster's state as an apiserver over etcd sees it: one resourceVersion counter, per-kind stores of
pre-serialised objects, a bounded change history for watches, and list snapshots behind continue tokens.

Every method is thread-safe: a benchmark may mutate the cluster from one thread while the server's
loop serves it from another.
"""

from __future__ import annotations

import base64
import binascii
import gc
import itertools
import json
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from tests.kube_server.encoding import dumps
from tests.kube_server.faults import Faults, RequestRecord
from tests.kube_server.objects import JSON, Encoded, iso
from tests.kube_server.resources import RESOURCES, Collection, Filter, Key, Record, ResourceType
from tests.kube_server.selectors import FieldRequirement, label_selector
from tests.kube_server.status import ApiError, not_found

EXPIRED_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result."
    " You can start a new list without the continue parameter."
)


@dataclass(frozen=True, slots=True)
class Change:
    """One committed write, as a watch replays it."""

    rv: int
    resource: str
    type: str  # ADDED, MODIFIED or DELETED
    key: Key
    raw: bytes
    labels: Mapping[str, str]
    fields: Mapping[str, str]
    before: Record | None  # the object before the write, so a watch with a selector sees it leave

    def event_type(self, selection: Filter) -> str | None:
        """The event a watch with this selection gets: objects entering or leaving it are ADDED or DELETED."""
        now = self.type != "DELETED" and selection.matches(self.key, self.labels, self.fields)
        was = self.before is not None and selection.matches(self.key, self.before.labels, self.before.fields)
        if self.type == "DELETED":
            return "DELETED" if was else None
        if now:
            return "MODIFIED" if was else "ADDED"
        return "DELETED" if was else None


@dataclass
class ListSnapshot:
    rv: int
    items: list[bytes]
    created: float  # monotonic


@dataclass(frozen=True)
class ListPage:
    resource_version: str
    items: list[bytes]
    continue_token: str | None
    remaining: int | None


def with_kind(rtype: ResourceType, raw: bytes) -> bytes:
    """List items carry no kind/apiVersion on the wire; a GET or a watch event does."""
    return b'{"kind":"%s","apiVersion":"%s",%s' % (rtype.kind.encode(), rtype.api_version.encode(), raw[1:])


class ClusterStore:
    def __init__(
        self,
        *,
        history_limit: int = 10_000,
        bookmark_interval: float = 1.0,
        continue_ttl: float | None = 300.0,
        max_snapshots: int = 256,
    ) -> None:
        self.history_limit = history_limit  # changes kept for watches; older start points get 410
        self.bookmark_interval = bookmark_interval  # seconds between BOOKMARKs on watches that ask
        self.continue_ttl = continue_ttl  # seconds a continue token lives (the apiserver's default is 5 min)
        self.max_snapshots = max_snapshots  # paginated lists in flight; the oldest one's token expires
        self.faults = Faults()
        self._lock = threading.RLock()
        self._rv = 0
        self._compacted = 0  # history holds every change after this RV
        self._history: deque[Change] = deque()
        self._collections = {name: Collection(rtype) for name, rtype in RESOURCES.items()}
        self._snapshots: OrderedDict[int, ListSnapshot] = OrderedDict()
        self._snapshot_ids = itertools.count(1)
        self._subscribers: set[Callable[[], None]] = set()
        self._requests: list[RequestRecord] = []

    # -- reading -------------------------------------------------------------------------------------

    @property
    def resource_version(self) -> str:
        with self._lock:
            return str(self._rv)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request the server received, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def record_request(self, record: RequestRecord) -> None:
        with self._lock:
            self._requests.append(record)

    def count(self, resource: str, namespace: str | None = None) -> int:
        with self._lock:
            collection = self._collections[resource]
            return len(collection) if namespace is None else len(collection.keys(namespace))

    def keys(self, resource: str, namespace: str | None = None) -> list[Key]:
        with self._lock:
            return self._collections[resource].keys(namespace)

    def exists(self, resource: str, namespace: str, name: str) -> bool:
        with self._lock:
            return self._collections[resource].get(self._key(resource, namespace, name)) is not None

    def find(
        self,
        resource: str,
        namespace: str | None,
        fields: Mapping[str, str] | None = None,
        labels: str | None = None,
    ) -> list[Key]:
        """Keys of the objects with these field values and matching this label selector."""
        requirements = tuple(FieldRequirement(field, value, True) for field, value in (fields or {}).items())
        selection = Filter(namespace, label_selector(labels), requirements)
        with self._lock:
            return [record.key for record in self._collections[resource].select(selection)]

    def get(self, resource: str, namespace: str, name: str) -> JSON:
        """The object as a GET returns it (a fresh dict, with kind and apiVersion)."""
        rtype = RESOURCES[resource]
        parsed: JSON = json.loads(with_kind(rtype, self.get_raw(resource, namespace, name)))
        return parsed

    def get_raw(self, resource: str, namespace: str, name: str) -> bytes:
        with self._lock:
            record = self._collections[resource].get(self._key(resource, namespace, name))
        if record is None:
            raise not_found(RESOURCES[resource].plural, name)
        return record.raw

    # -- writing -------------------------------------------------------------------------------------

    def add(self, resource: str, obj: JSON) -> JSON:
        rtype = RESOURCES[resource]
        body = {key: value for key, value in obj.items() if key not in ("kind", "apiVersion")}
        meta = body.setdefault("metadata", {})
        key = self._key(resource, meta.get("namespace", ""), meta["name"])
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", iso(time.time()))
        with self._lock:
            if self._collections[resource].get(key) is not None:
                raise ApiError(409, f'{rtype.plural} "{key[1]}" already exists', "AlreadyExists")
            return self._write(rtype, "ADDED", key, body, None)

    def update(self, resource: str, namespace: str, name: str, mutate: Callable[[JSON], object]) -> JSON:
        """Apply ``mutate`` to the object (in place) and commit it as one MODIFIED change."""
        rtype = RESOURCES[resource]
        key = self._key(resource, namespace, name)
        with self._lock:
            before = self._collections[resource].get(key)
            if before is None:
                raise not_found(rtype.plural, name)
            body: JSON = json.loads(before.raw)
            mutate(body)
            if (body["metadata"].get("namespace", ""), body["metadata"]["name"]) != key:
                raise ValueError("an update cannot rename an object")
            return self._write(rtype, "MODIFIED", key, body, before)

    def delete(self, resource: str, namespace: str, name: str) -> JSON:
        rtype = RESOURCES[resource]
        key = self._key(resource, namespace, name)
        with self._lock:
            before = self._collections[resource].get(key)
            if before is None:
                raise not_found(rtype.plural, name)
            return self._write(rtype, "DELETED", key, json.loads(before.raw), before)

    def _key(self, resource: str, namespace: str, name: str) -> Key:
        return (namespace if RESOURCES[resource].namespaced else "", name)

    def _record(self, rtype: ResourceType, key: Key, body: JSON, rv: int) -> Record:
        if rtype.watchable:
            body["metadata"]["resourceVersion"] = str(rv)
        return Record(key, rv, dumps(body), body["metadata"].get("labels") or {}, rtype.field_values(body))

    def _write(self, rtype: ResourceType, kind: str, key: Key, body: JSON, before: Record | None) -> JSON:
        """Commit one write: metrics are not versioned; any other write bumps the RV and is watched."""
        collection = self._collections[rtype.name]
        if not rtype.watchable:
            record = self._record(rtype, key, body, 0)
            if kind == "DELETED":
                collection.remove(key)
            else:
                collection.put(record)
            return self._parsed(rtype, record.raw)
        self._rv += 1
        record = self._record(rtype, key, body, self._rv)
        if kind == "DELETED":
            collection.remove(key)
        else:
            collection.put(record)
        change = Change(self._rv, rtype.name, kind, key, record.raw, record.labels, record.fields, before)
        self._history.append(change)
        while len(self._history) > self.history_limit:
            self._history.popleft()
            self._compacted += 1
        for wake in list(self._subscribers):
            wake()
        return self._parsed(rtype, record.raw)

    @staticmethod
    def _parsed(rtype: ResourceType, raw: bytes) -> JSON:
        parsed: JSON = json.loads(with_kind(rtype, raw))
        return parsed

    def load(self, objects: Iterable[tuple[str, JSON | Encoded]]) -> None:
        """Bulk-load generated ``(resource, object)`` pairs (already versioned): no history, one sort."""
        records: dict[str, list[Record]] = {name: [] for name in RESOURCES}
        collecting = gc.isenabled()
        gc.disable()  # hundreds of thousands of acyclic objects: cycle collection would cost a third
        try:
            with self._lock:
                for resource, item in objects:
                    records[resource].append(self._loaded(resource, item))
                for resource, loaded in records.items():
                    self._collections[resource].load(loaded)
                    self._rv = max([self._rv, *(record.rv for record in loaded)])
                self.compact()
        finally:
            if collecting:
                gc.enable()

    @staticmethod
    def _loaded(resource: str, item: JSON | Encoded) -> Record:
        if isinstance(item, Encoded):
            return Record((item.namespace, item.name), item.rv, item.raw, item.labels, item.fields)
        rtype, meta = RESOURCES[resource], item["metadata"]
        key = (meta.get("namespace", "") if rtype.namespaced else "", meta["name"])
        rv = int(meta.get("resourceVersion") or 0)
        return Record(key, rv, dumps(item), meta.get("labels") or {}, rtype.field_values(item))

    # -- watching ------------------------------------------------------------------------------------

    def subscribe(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` (from the writer's thread) after every write; returns the unsubscribe function."""
        with self._lock:
            self._subscribers.add(wake)
        return lambda: self._unsubscribe(wake)

    def _unsubscribe(self, wake: Callable[[], None]) -> None:
        with self._lock:
            self._subscribers.discard(wake)

    def notify(self) -> None:
        with self._lock:
            wakers = list(self._subscribers)
        for wake in wakers:
            wake()

    def compact(self) -> None:
        """Forget the change history, as etcd compaction does: older watch start points get 410."""
        with self._lock:
            self._history.clear()
            self._compacted = self._rv

    def changes_since(self, rv: int) -> tuple[list[Change], int]:
        """Every change after ``rv`` and the RV they reach; 410 if some were compacted away."""
        with self._lock:
            if rv < self._compacted:
                raise ApiError(410, f"too old resource version: {rv} ({self._compacted})", "Expired")
            return list(itertools.islice(self._history, rv - self._compacted, None)), max(rv, self._rv)

    def current_state(self, resource: str, selection: Filter) -> tuple[list[bytes], int]:
        """The objects a watch without a resourceVersion starts with (synthetic ADDED), and their RV."""
        with self._lock:
            return [record.raw for record in self._collections[resource].select(selection)], self._rv

    # -- listing -------------------------------------------------------------------------------------

    def expire_continue_tokens(self) -> None:
        with self._lock:
            self._snapshots.clear()

    def list_page(
        self,
        resource: str,
        selection: Filter,
        *,
        limit: int | None = None,
        token: str | None = None,
        resource_version: str | None = None,
        match: str | None = None,
    ) -> ListPage:
        rtype = RESOURCES[resource]
        with self._lock:
            if token:
                if resource_version:
                    raise ApiError(400, "specifying resource version is not allowed when using continue")
                snapshot_id, start = _decode_token(token)
                snapshot = self._snapshots.get(snapshot_id)
                ttl = self.continue_ttl
                if snapshot is None or (ttl is not None and time.monotonic() - snapshot.created > ttl):
                    self._snapshots.pop(snapshot_id, None)
                    raise ApiError(410, EXPIRED_CONTINUE, "Expired")
            else:
                self._check_list_version(resource_version, match)
                items = [record.raw for record in self._collections[resource].select(selection)]
                snapshot, snapshot_id, start = ListSnapshot(self._rv, items, time.monotonic()), 0, 0
            if not rtype.watchable:  # metrics.k8s.io answers whole lists and has no versions
                return ListPage("", snapshot.items, None, None)
            end = len(snapshot.items) if not limit else min(start + limit, len(snapshot.items))
            if end >= len(snapshot.items):
                self._snapshots.pop(snapshot_id, None)
                return ListPage(str(snapshot.rv), snapshot.items[start:end], None, None)
            if not snapshot_id:
                snapshot_id = next(self._snapshot_ids)
                self._snapshots[snapshot_id] = snapshot
                while len(self._snapshots) > self.max_snapshots:
                    self._snapshots.popitem(last=False)
            next_token = _encode_token(snapshot.rv, snapshot_id, end)
            return ListPage(
                str(snapshot.rv), snapshot.items[start:end], next_token, len(snapshot.items) - end
            )

    def _check_list_version(self, resource_version: str | None, match: str | None) -> None:
        if match not in (None, "", "Exact", "NotOlderThan"):
            raise ApiError(400, f'resourceVersionMatch: Unsupported value: "{match}"')
        if not resource_version:
            if match:
                raise ApiError(400, "resourceVersionMatch is forbidden unless resourceVersion is provided")
            return
        try:
            wanted = int(resource_version)
        except ValueError:
            raise ApiError(400, f"invalid resource version: {resource_version!r}") from None
        if wanted > self._rv:
            raise ApiError(504, f"Too large resource version: {wanted}, current: {self._rv}", "Timeout")
        # No past states are kept: an exact read of an older version behaves as if it was compacted.
        if match == "Exact" and wanted != self._rv:
            raise ApiError(410, f"too old resource version: {wanted} ({self._rv})", "Expired")


def _encode_token(rv: int, snapshot_id: int, offset: int) -> str:
    payload = {"v": "meta.k8s.io/v1", "rv": rv, "start": f"{snapshot_id}/{offset}"}
    return base64.urlsafe_b64encode(dumps(payload)).decode()


def _decode_token(token: str) -> tuple[int, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        snapshot_id, offset = (int(part) for part in payload["start"].split("/"))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise ApiError(400, f"continue key is not valid: {token[:40]!r}") from None
    return snapshot_id, offset
