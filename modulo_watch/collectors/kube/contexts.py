"""The contexts of the kubeconfig in use, for the context switcher."""

from __future__ import annotations

from dataclasses import dataclass

from modulo_watch.collectors.kube.connection import import_client, kubeconfig_path
from modulo_watch.config import KubernetesSettings, display_path


class KubeContextError(Exception):
    """The kubeconfig's contexts cannot be listed; ``str()`` is one line for a notification."""


@dataclass(frozen=True, slots=True)
class KubeContexts:
    names: tuple[str, ...]
    current: str | None  # None: not known (the kubeconfig names none)

    @classmethod
    def offered(cls, names: tuple[str, ...], current: str | None) -> KubeContexts:
        """``names``, led by the current context when it is not among them (a ``--context`` off the list),
        so the responder always sees where they are."""
        if current is not None and current not in names:
            names = (current, *names)
        return cls(names, current)


def read_contexts(settings: KubernetesSettings) -> KubeContexts:
    """Every context of the kubeconfig kubectl would read, and its current one. Blocking: reads the file
    (and, the first time, imports the client), so call it in a thread."""
    path = kubeconfig_path(settings)
    if path is None:
        raise KubeContextError("in-cluster: there is no kubeconfig, so no other context to switch to")
    if not path.is_file():
        raise KubeContextError(f"{display_path(path)}: no such kubeconfig")
    config, _, _ = import_client()  # what the connection loads the kubeconfig with

    try:
        contexts, current = config.list_kube_config_contexts(str(path))
        names = tuple(str(context["name"]) for context in contexts)
        return KubeContexts(names, str(current["name"]) if current else None)
    except Exception as error:  # the loader raises its own types, YAML errors, KeyError or OSError
        raise KubeContextError(f"{display_path(path)}: {error or type(error).__name__}") from None
