"""A loopback Kubernetes API server for tests and benchmarks, spoken to by the real ``kubernetes`` client.

No apiserver can be installed here, so this one speaks the wire protocol the client and our collectors
depend on: paginated lists with consistent snapshots and expiring continue tokens, label and field
selectors, watch streams with bookmarks and 410 Gone, metrics.k8s.io, pod logs, discovery, a bearer
token, and injected faults.

    cluster = FakeCluster.generate(pods=20_000, seed=1)
    async with KubeServer(cluster) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "config")
        ...
        cluster.set_pod_status("payments", name, waiting="CrashLoopBackOff", restarts=7)
"""

from tests.kube_server.cluster import FakeCluster
from tests.kube_server.faults import NOT_JSON, WRONG_SHAPE, FaultRule, Faults, RequestRecord
from tests.kube_server.kubeconfig import KubeContext, write_kubeconfig, write_kubeconfig_contexts
from tests.kube_server.server import KubeServer, ThreadedKubeServer
from tests.kube_server.status import ApiError

__all__ = [
    "NOT_JSON",
    "WRONG_SHAPE",
    "ApiError",
    "FakeCluster",
    "FaultRule",
    "Faults",
    "KubeContext",
    "KubeServer",
    "RequestRecord",
    "ThreadedKubeServer",
    "write_kubeconfig",
    "write_kubeconfig_contexts",
]
