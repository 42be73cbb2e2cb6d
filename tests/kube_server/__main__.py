"""Serve a generated cluster until interrupted, for benchmarks in another process and manual poking:

.venv/bin/python -m tests.kube_server --pods 150000 --kubeconfig /tmp/loopback.yaml [--churn 50]

With ``--control``, each line on stdin ``crash NAMESPACE NAME RESTARTS`` puts that pod into
CrashLoopBackOff with that restart count, and answers ``done`` on stdout: a benchmark times how long
the change takes to reach the screen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time

from tests.kube_server.cluster import FakeCluster
from tests.kube_server.server import KubeServer


async def serve(arguments: argparse.Namespace) -> None:
    started = time.perf_counter()
    cluster = FakeCluster.generate(arguments.pods, arguments.nodes, arguments.namespaces, seed=arguments.seed)
    print(f"generated {arguments.pods} pods in {time.perf_counter() - started:.1f} s", flush=True)
    async with KubeServer(cluster, port=arguments.port) as server:
        server.write_kubeconfig(arguments.kubeconfig)
        print(f"serving {server.url}; kubeconfig {arguments.kubeconfig}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        if arguments.control:
            loop.add_reader(sys.stdin.fileno(), obey, cluster)
        churn = None
        if arguments.churn:
            churn = asyncio.create_task(cluster.churn(arguments.churn, float("inf"), seed=arguments.seed))
        await stop.wait()
        if churn is not None:
            churn.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await churn


def obey(cluster: FakeCluster) -> None:
    command = sys.stdin.readline().split()
    if len(command) == 4 and command[0] == "crash":
        _, namespace, name, count = command
        cluster.set_pod_status(namespace, name, waiting="CrashLoopBackOff", restarts=int(count), ready=False)
        print("done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.kube_server", description=__doc__)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument("--nodes", type=int, default=None)
    parser.add_argument("--namespaces", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--kubeconfig", required=True, help="where to write the kubeconfig (it holds the token)"
    )
    parser.add_argument("--churn", type=float, default=0.0, help="changes a second, for a live cluster")
    parser.add_argument("--control", action="store_true", help="take 'crash NS NAME RESTARTS' lines on stdin")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
