"""Deterministic pseudo-randomness: the same scenario, seed and time always give the same world.

Python's ``hash()`` of a string changes per process, so strings go through CRC-32 instead, and
integers are mixed with SplitMix64-style multiply-xorshift steps, cheap enough to call per row per frame.
"""

from __future__ import annotations

import zlib

_MASK = (1 << 64) - 1
# Kubernetes' SafeEncodeString alphabet: no vowels, no 0/1/3, so generated names spell no words.
_K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def text_key(text: str) -> int:
    return zlib.crc32(text.encode())


def mix(*values: int) -> int:
    """A well-spread 64-bit hash of the values."""
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = (state ^ value) * 0xBF58476D1CE4E5B9 & _MASK
        state ^= state >> 31
    state = state * 0x94D049BB133111EB & _MASK
    return state ^ (state >> 29)


def unit(*values: int) -> float:
    """A value in [0, 1) determined by the inputs."""
    return mix(*values) / 2.0**64


def signed_unit(*values: int) -> float:
    """A value in [-1, 1) determined by the inputs."""
    return 2.0 * unit(*values) - 1.0


def k8s_hash(*values: int) -> str:
    """A pod-template-hash: Kubernetes encodes the decimal digits of a 32-bit hash, one char each."""
    digits = str(mix(*values) & 0xFFFFFFFF)
    return "".join(_K8S_ALPHABET[ord(digit) % len(_K8S_ALPHABET)] for digit in digits)


def k8s_token(length: int, *values: int) -> str:
    """A Kubernetes-style random token (pod suffix, pod-template-hash)."""
    state = mix(*values)
    chars: list[str] = []
    for n in range(length):
        if n and n % 12 == 0:
            state = mix(state, n)
        state, digit = divmod(state, len(_K8S_ALPHABET))
        chars.append(_K8S_ALPHABET[digit])
    return "".join(chars)
