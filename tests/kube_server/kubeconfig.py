"""A kubeconfig for the loopback server, in the form ``kubectl`` and the official loader read."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True, slots=True)
class KubeContext:
    """One context of a kubeconfig, with a cluster and a user of the same name."""

    name: str
    url: str
    token: str
    namespace: str | None = None


def write_kubeconfig(
    path: str | os.PathLike[str],
    url: str,
    token: str,
    context: str = "loopback",
    namespace: str | None = None,
) -> Path:
    """Write a kubeconfig (mode 0600: it holds a token) whose current context points at ``url``."""
    return write_kubeconfig_contexts(path, [KubeContext(context, url, token, namespace)])


def write_kubeconfig_contexts(
    path: str | os.PathLike[str], contexts: Sequence[KubeContext], current: str | None = None
) -> Path:
    """Write a kubeconfig (mode 0600) with several contexts; the current one is ``current``, or the first."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": c.name, "cluster": {"server": c.url}} for c in contexts],
        "users": [{"name": c.name, "user": {"token": c.token}} for c in contexts],
        "contexts": [{"name": c.name, "context": _details(c)} for c in contexts],
        "current-context": current or contexts[0].name,
    }
    target = Path(path)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    return target


def _details(context: KubeContext) -> dict[str, str]:
    details = {"cluster": context.name, "user": context.name}
    if context.namespace is not None:
        details["namespace"] = context.namespace
    return details
