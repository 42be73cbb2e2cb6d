"""A kubeconfig for the loopback server, in the form ``kubectl`` and the official loader read."""

from __future__ import annotations

import os
from pathlib import Path

import yaml


def write_kubeconfig(
    path: str | os.PathLike[str],
    url: str,
    token: str,
    context: str = "loopback",
    namespace: str | None = None,
) -> Path:
    """Write a kubeconfig (mode 0600: it holds a token) whose current context points at ``url``."""
    details = {"cluster": context, "user": context}
    if namespace is not None:
        details["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": context, "cluster": {"server": url}}],
        "users": [{"name": context, "user": {"token": token}}],
        "contexts": [{"name": context, "context": details}],
        "current-context": context,
    }
    target = Path(path)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    return target
