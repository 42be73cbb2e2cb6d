"""Kubernetes resource quantities ("250m", "1.5Gi", "1e9", "1234567n") as exact integers.

The grammar is k8s.io/apimachinery's ``resource.Quantity``: a non-negative decimal number, then a
binary suffix (Ki .. Ei), a decimal suffix (n u m "" k M G T P E) or an exponent (e3, E-2). Like
``Quantity.MilliValue()`` and ``Value()``, a fraction of the target unit rounds up. Arithmetic is on
integers, so "1.5Gi" is exactly 1610612736 and no float rounding creeps in.
"""

from __future__ import annotations

import re
from functools import lru_cache

_QUANTITY = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?"
    r"(?:[eE](?P<exp>[+-]?[0-9]+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?"
)
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_MAX_TEXT = 64  # real quantities are a dozen characters; a longer one is garbage, not a number to grind
_MAX_EXPONENT = 40  # bounds the integer arithmetic: 10**40 is cheap, 10**1e9 would hang
_INT64_MAX = 2**63 - 1  # what the API can hold; anything larger is not a real quantity


def _shown(text: str) -> str:
    """The value for an error message, cut short: it comes from outside and may be huge."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _scaled(text: str, unit_exponent: int, what: str) -> int:
    """``text`` in units of 10**-unit_exponent, rounded up (3: millicores, 9: nanocores, 0: bytes)."""
    # Most quantities are digits and a suffix ("48213344n", "131072Ki", "250m"): those skip the regex.
    # metrics.k8s.io sends 150k distinct ones every 15 s, so this is most of its decoding time.
    if len(text) <= _MAX_TEXT and text.isascii():
        if text[-2:] in _BINARY and text[:-2].isdigit():
            return _value(int(text[:-2]), _BINARY[text[-2:]], unit_exponent, text, what)
        if text[:-1].isdigit() and text[-1:] in _DECIMAL:
            return _value(int(text[:-1]), 0, _DECIMAL[text[-1]] + unit_exponent, text, what)
        if text.isdigit():
            return _value(int(text), 0, unit_exponent, text, what)
    return _parsed(text, unit_exponent, what)


@lru_cache(maxsize=4096)  # a cluster repeats a few hundred distinct requests and limits across 150k pods
def _parsed(text: str, unit_exponent: int, what: str) -> int:
    """Any quantity the grammar allows: fractions, exponents, signs."""
    match = _QUANTITY.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if match is None or not (match["int"] or match["frac"]):
        raise ValueError(f"bad {what} quantity {_shown(text)}")
    fraction = match["frac"] or ""
    mantissa = int(match["int"] + fraction or "0")
    if match["sign"] == "-" and mantissa:
        raise ValueError(f"negative {what} quantity {_shown(text)}")
    suffix = match["suffix"] or ""
    power_of_ten = (int(match["exp"]) if match["exp"] else _DECIMAL.get(suffix, 0)) - len(fraction)
    return _value(mantissa, _BINARY.get(suffix, 0), power_of_ten + unit_exponent, text, what)


def _value(mantissa: int, power_of_two: int, power_of_ten: int, text: str, what: str) -> int:
    if abs(power_of_ten) > _MAX_EXPONENT:
        raise ValueError(f"{what} quantity out of range {_shown(text)}")
    numerator = mantissa << power_of_two
    # Ceiling division for a negative power, as Quantity rounds up. (The annotation: 10**n is typed
    # int | float, since n could be negative.)
    value: int = numerator * 10**power_of_ten if power_of_ten >= 0 else -(-numerator // 10**-power_of_ten)
    if value > _INT64_MAX:
        raise ValueError(f"{what} quantity out of range {_shown(text)}")
    return value


def parse_cpu(text: str) -> int:
    """A CPU quantity in millicores: "250m" -> 250, "1" -> 1000, "1234567n" -> 2 (rounded up)."""
    return _scaled(text, 3, "CPU")


def parse_cpu_nanocores(text: str) -> int:
    """A CPU quantity in nanocores, for sums that kubectl rounds once at the end (``kubectl top pod``)."""
    return _scaled(text, 9, "CPU")


def parse_memory(text: str) -> int:
    """A memory quantity in bytes: "128Mi" -> 134217728, "1e9" -> 10**9, "500M" -> 500000000."""
    return _scaled(text, 0, "memory")
