"""Label and field selectors, in the forms clients send (``a=b``, ``a!=b``, ``a in (x,y)``, ``!a`` ...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tests.kube_server.status import ApiError

Predicate = Callable[[Mapping[str, str]], bool]

_SET_FORM = re.compile(r"^\s*(\S+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_KEY = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses: ``a in (x,y),b=c`` is two requirements."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _check_key(key: str, selector: str) -> str:
    if not _KEY.match(key):
        raise ApiError(400, f"unable to parse requirement: invalid label key {key!r} in {selector!r}")
    return key


def _label_requirement(text: str, selector: str) -> Predicate:
    set_form = _SET_FORM.match(text)
    if set_form:
        key = _check_key(set_form.group(1), selector)
        values = frozenset(value.strip() for value in set_form.group(3).split(",") if value.strip())
        if set_form.group(2) == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    for operator in ("!=", "==", "="):
        if operator in text:
            raw_key, value = (part.strip() for part in text.split(operator, 1))
            key = _check_key(raw_key, selector)
            if operator == "!=":
                return lambda labels: labels.get(key) != value
            return lambda labels: labels.get(key) == value
    if text.startswith("!"):
        key = _check_key(text[1:].strip(), selector)
        return lambda labels: key not in labels
    key = _check_key(text, selector)
    return lambda labels: key in labels


def label_selector(selector: str | None) -> Predicate | None:
    """A predicate over an object's labels, or None when the selector selects everything."""
    if not selector or not selector.strip():
        return None
    requirements = [_label_requirement(part, selector) for part in _split_top_level(selector)]
    return lambda labels: all(requirement(labels) for requirement in requirements)


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    value: str
    equal: bool


def field_selector(selector: str | None, supported: frozenset[str]) -> tuple[FieldRequirement, ...]:
    """Parsed requirements; an unknown field is a 400, as the apiserver answers."""
    if not selector or not selector.strip():
        return ()
    requirements: list[FieldRequirement] = []
    for part in _split_top_level(selector):
        for operator in ("!=", "==", "="):
            if operator in part:
                field, value = (piece.strip() for piece in part.split(operator, 1))
                break
        else:
            raise ApiError(400, f"invalid selector: {selector!r}; can't understand {part!r}")
        if field not in supported:
            raise ApiError(400, f'field label not supported: "{field}"')
        requirements.append(FieldRequirement(field, value, operator != "!="))
    return tuple(requirements)


def fields_match(requirements: tuple[FieldRequirement, ...], fields: Mapping[str, str]) -> bool:
    return all((fields.get(req.field, "") == req.value) == req.equal for req in requirements)
