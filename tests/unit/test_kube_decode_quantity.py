"""Kubernetes quantities as integers: CPU in millicores, memory in bytes, rounded up like Quantity."""

from __future__ import annotations

import pytest

from modulo_watch.collectors.kube.quantity import parse_cpu, parse_cpu_nanocores, parse_memory


@pytest.mark.parametrize(
    ("text", "millicores"),
    [
        ("250m", 250),
        ("1", 1000),
        ("0.5", 500),
        (".5", 500),
        ("2.", 2000),
        ("+1", 1000),
        ("0", 0),
        ("1234567n", 2),  # 1.234567 millicores, rounded up as MilliValue() does
        ("1000000n", 1),
        ("12u", 1),
        ("1500u", 2),
        ("1k", 1_000_000),
        ("1e3", 1_000_000),
        ("1E-3", 1),
        ("64", 64_000),
        ("0.001", 1),
        ("0.0001", 1),
    ],
)
def test_cpu_in_millicores(text: str, millicores: int) -> None:
    assert parse_cpu(text) == millicores


def test_cpu_in_nanocores_is_exact() -> None:
    assert parse_cpu_nanocores("1234567n") == 1_234_567
    assert parse_cpu_nanocores("250m") == 250_000_000


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("128Mi", 128 * 2**20),
        ("1Gi", 2**30),
        ("1.5Gi", 1_610_612_736),
        ("123456Ki", 123_456 * 1024),
        ("1e9", 10**9),
        ("500M", 500_000_000),
        ("1k", 1000),
        ("1Ki", 1024),
        ("2Ti", 2 * 2**40),
        ("1Pi", 2**50),
        ("1Ei", 2**60),
        ("1E", 10**18),  # the exa suffix, not an exponent
        ("1e2", 100),
        ("100m", 1),  # a tenth of a byte rounds up
        ("134217728", 134_217_728),
    ],
)
def test_memory_in_bytes(text: str, size: int) -> None:
    assert parse_memory(text) == size


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "abc",
        "12 cores",
        " 1",
        "1 ",
        "1x",
        "Mi",
        "1MiB",
        "1mi",
        "1e",
        "1.5.5",
        ".",
        "+",
        "-1",
        "-100Mi",
        "NaN",
        "inf",
        "1_000",
        "١٢",  # Arabic-Indic digits: int() takes them, the API does not
        "1e999999999",  # would take forever as an integer power
        "10Ei",  # beyond int64, which is all the API can hold
        "9" * 100,
    ],
)
def test_a_bad_quantity_is_a_value_error_that_says_so(text: str) -> None:
    for parse, what in ((parse_cpu, "CPU"), (parse_memory, "memory")):
        with pytest.raises(ValueError, match=f"{what} quantity") as caught:
            parse(text)
        assert len(str(caught.value)) < 100  # the value is cut short, never echoed whole
