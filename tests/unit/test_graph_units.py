from __future__ import annotations

import pytest

from modulo_watch.widgets.graph_units import graph_unit


@pytest.mark.parametrize(
    ("unit", "value", "axis", "reading"),
    [
        ("ratio", 0.05, "5%", "5.0%"),
        ("ratio", 0.124, "12.4%", "12.4%"),
        ("ratio", 0.005, "0.5%", "0.5%"),
        ("seconds", 0.0, "0s", "0.0ms"),
        ("seconds", 0.004, "4ms", "4.0ms"),
        ("seconds", 0.18, "180ms", "180ms"),
        ("seconds", 1.0, "1s", "1.00s"),
        ("seconds", 1.25, "1.2s", "1.25s"),
        ("seconds", 12.34, "12.3s", "12.3s"),
        ("req/s", 0.5, "0.5/s", "0.5 req/s"),
        ("req/s", 240.4, "240/s", "240 req/s"),
        ("req/s", 1800.0, "1.8k/s", "1.8k req/s"),
        ("req/s", 2_500_000.0, "2.5M/s", "2.5M req/s"),
    ],
)
def test_values_read_in_their_unit(unit: str, value: float, axis: str, reading: str) -> None:
    formatting = graph_unit(unit)
    assert formatting.axis(value) == axis
    assert formatting.reading(value) == reading


def test_only_a_ratio_has_a_ceiling() -> None:
    assert graph_unit("ratio").ceiling == 1.0
    assert graph_unit("seconds").ceiling > 1e9
    assert graph_unit("bogus").reading(1234.5) == "1.23e+03"
