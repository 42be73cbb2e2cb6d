"""core/v1 Events: the builder, and the event a generated pod's state would most recently have caused."""

from __future__ import annotations

import random

from tests.kube_server.objects import JSON, Container, PodHealth, iso, random_uid
from tests.kube_server.pods import PodFacts


def build_event(
    *,
    namespace: str,
    name: str,
    uid: str,
    involved: JSON,
    reason: str,
    message: str,
    kind: str,
    count: int,
    first: float,
    last: float,
    component: str,
    host: str,
) -> JSON:
    source = {"component": component, "host": host} if host else {"component": component}
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": "",
            "creationTimestamp": iso(first),
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": iso(first),
        "lastTimestamp": iso(last),
        "count": count,
        "type": kind,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host,
    }


def pod_event(
    rng: random.Random, namespace: str, facts: PodFacts, container: Container, health: PodHealth, now: float
) -> tuple[str, JSON]:
    """The event a pod in this state would most recently have caused (kubelet or scheduler)."""
    name, uid = facts.name, facts.uid
    involved: JSON = {
        "kind": "Pod",
        "namespace": namespace,
        "name": name,
        "uid": uid,
        "apiVersion": "v1",
        "resourceVersion": "",
        "fieldPath": f"spec.containers{{{container.name}}}",
    }
    kind, component, host, count = "Warning", "kubelet", facts.node, rng.randint(1, 40)
    backoff = f"Back-off restarting failed container {container.name} in pod {name}_{namespace}({uid})"
    if health == "crashloop":
        reason, message, count = "BackOff", backoff, rng.randint(20, 2000)
    elif health == "imagepull":
        reason = "Failed"
        message = (
            f'Failed to pull image "{container.image}": rpc error: code = NotFound desc = failed to pull and'
            f' unpack image "{container.image}": not found'
        )
    elif health == "pending":
        reason, component, host = "FailedScheduling", "default-scheduler", ""
        message = (
            "0/5000 nodes are available: 5000 Insufficient memory. preemption: 0/5000 nodes are available."
        )
        del involved["fieldPath"]
    elif health == "notready":
        reason, message = "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"
    elif health == "oomkilled":
        reason, message = "BackOff", backoff
    elif health == "evicted":
        reason = "Evicted"
        message = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91764Ki."
    elif health == "terminating":
        kind, reason, message, count = "Normal", "Killing", f"Stopping container {container.name}", 1
    else:
        kind, count = "Normal", 1
        reason, message = rng.choice(
            (
                ("Pulled", f'Container image "{container.image}" already present on machine'),
                ("Created", f"Created container: {container.name}"),
                ("Started", f"Started container {container.name}"),
            )
        )
    last = now - rng.randint(0, 600)
    first = last - (rng.randint(60, 3000) if count > 1 else 0)
    event = build_event(
        namespace=namespace,
        name=f"{name}.{rng.getrandbits(64):016x}",
        uid=random_uid(rng),
        involved=involved,
        reason=reason,
        message=message,
        kind=kind,
        count=count,
        first=first,
        last=last,
        component=component,
        host=host,
    )
    return "events", event
