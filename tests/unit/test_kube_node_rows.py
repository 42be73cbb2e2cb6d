"""Node rows for the nodes pane: use as a share of allocatable, pod counts, and rows reused when
nothing they are made of changed."""

from __future__ import annotations

from modulo_watch.collectors.kube.collectors import NodeInputs, node_rows
from modulo_watch.collectors.models import Node
from tests.fakes import EPOCH


def node(name: str) -> Node:
    return Node(name, True, EPOCH, allocatable_cpu_millicores=4000, allocatable_memory_bytes=8 * 2**30)


def test_rows_carry_use_and_counts_and_are_reused_until_an_input_changes() -> None:
    a, b = node("a"), node("b")
    made: dict[str, tuple[NodeInputs, Node]] = {}
    first = node_rows([b, a], {"a": (1000, 2**30)}, {"a": 3}, made)
    assert [row.name for row in first] == ["a", "b"]
    assert first[0].cpu_percent == 25.0 and first[0].memory_percent == 12.5 and first[0].pod_count == 3
    assert first[1].cpu_percent is None and first[1].pod_count == 0

    second = node_rows([a, b], {"a": (1000, 2**30)}, {"a": 3, "b": 1}, made)
    assert second[0] is first[0], "nothing changed for a: the same row"
    assert second[1] is not first[1] and second[1].pod_count == 1

    node_rows([a], {}, {}, made)
    assert set(made) == {"a"}, "a node that is gone is forgotten"
