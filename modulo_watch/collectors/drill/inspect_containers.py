"""A drill pod's containers, worked out one way for its detail and for its events in the events list."""

from __future__ import annotations

from modulo_watch.collectors.drill.inspect_pod import (
    ContainerSpec,
    Workload,
    container_specs,
    first_templates,
    is_newer,
    kubernetes_version,
    workload_of,
)
from modulo_watch.collectors.drill.inspect_story import Story, Worlds


class PodContainers:
    def __init__(self, worlds: Worlds) -> None:
        self._worlds = worlds
        self._first: dict[str, frozenset[str]] | None = None

    def of(self, story: Story) -> tuple[Workload, tuple[ContainerSpec, ...]]:
        """The pod's workload and its containers, app first, as of the story's moment."""
        if self._first is None:
            self._first = first_templates(self._worlds.at(0.0).pods.pods)
        workload = workload_of(story.pod)
        world = self._worlds.at(story.at)
        kubernetes = kubernetes_version(story.current.node, world.nodes.nodes)
        newer = is_newer(self._first, workload)
        return workload, container_specs(
            story.pod, workload, newer, world.postgres.server_version, kubernetes
        )
