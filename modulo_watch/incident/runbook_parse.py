"""Sections of a runbook -> the Runbook model.

Sections are found by what their headings say ("Severity", "Process", "Contacts", ...), at any depth,
so a team's runbook may order or nest them differently. Only the severity levels are required: the
clocks depend on them. Every other missing section reads as empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from modulo_watch.incident.runbook_blocks import (
    Fence,
    Item,
    Line,
    ListBlock,
    Row,
    Section,
    Table,
    parse_sections,
    walk,
)
from modulo_watch.incident.runbook_model import (
    Action,
    Checklist,
    ChecklistItem,
    Command,
    CommandSection,
    Entry,
    EntryGroup,
    Escalation,
    EscalationRule,
    Procedure,
    ProcessStep,
    Runbook,
    RunbookError,
    Severity,
    Template,
)
from modulo_watch.incident.runbook_read import repair
from modulo_watch.incident.runbook_times import find_duration, response_time

_LEVEL = re.compile(r"\bP(\d)\b")
_LEVEL_MARK = re.compile(r"\(\s*P\d\s*\)|\bP\d\b")
_STEP_NUMBER = re.compile(r"^(?:step\s+)?(\d+)\s*[.):]?\s+", re.IGNORECASE)
_TASK = re.compile(r"^\[([ xX])\]\s*")
_KEY_VALUE = re.compile(r"^([^:]{1,60}):(?:\s+|$)(.*)$")
_EMOJI_LEAD = re.compile(r"^\W+")
_B = TypeVar("_B", Line, Fence, ListBlock, Table)


def parse_runbook(text: str, source: str) -> Runbook:
    """The runbook in ``text``; ``source`` names it in error messages."""
    text = repair(text)
    if not text.strip():
        raise RunbookError(f"{source}:1: empty runbook")
    root = parse_sections(text, source)
    process = _find(root, "process", "response procedure")
    steps = _steps(process)
    escalation = _find(root, "escalat")
    return Runbook(
        title=next((section.title for section in root.children if section.level == 1), source),
        source=source,
        overview="\n\n".join(block.text for block in _own(_find(root, "overview"), Line)),
        severities=_severities(_find(root, "severit"), source),
        steps=steps,
        templates=_templates(root, process, steps),
        contacts=_entry_groups(_find(root, "contact")),
        escalation=Escalation(
            rules=_escalation_rules(_child(escalation, "when") or escalation),
            steps=tuple(item.text for item in _items(_child(escalation, "how"))),
            external=_entry_groups(_child(escalation, "external")),
        ),
        tools=_entry_groups(_find(root, "tool", "resource")),
        commands=_command_sections(_find(root, "quick reference", "commands")),
    )


# --- Finding sections --------------------------------------------------------------------------------


def _find(root: Section, *words: str) -> Section | None:
    """The shallowest section whose heading contains one of ``words``."""
    return next((s for s in walk(root)[1:] if any(word in s.title.lower() for word in words)), None)


def _child(section: Section | None, word: str) -> Section | None:
    return None if section is None else _find(section, word)


def _own(section: Section | None, kind: type[_B]) -> list[_B]:
    return [] if section is None else [block for block in section.blocks if isinstance(block, kind)]


def _items(section: Section | None) -> Iterator[Line]:
    """The text of every top-level list item in ``section``."""
    for block in _own(section, ListBlock):
        yield from (item.head for item in block.items if item.head is not None)


def _fail(source: str, line: int, problem: str) -> RunbookError:
    return RunbookError(f"{source}:{line}: {problem}")


# --- Severity levels ---------------------------------------------------------------------------------


def _severities(section: Section | None, source: str) -> tuple[Severity, ...]:
    if section is None:
        raise _fail(source, 1, 'no severity levels: expected a "## Incident Severity Levels" section')
    tables = _own(section, Table)
    if tables:  # a table of levels may come with subsections of notes
        levels = [_severity_from_row(tables[0].header, row, source) for row in tables[0].rows]
    elif section.children:
        levels = [_severity_from_heading(child, source) for child in section.children]
    else:
        levels = []
    if not levels:
        raise _fail(source, section.line, "no severity levels under this heading (### Critical (P0) ...)")
    _reject_duplicates(levels, source)
    return tuple(levels)


def _reject_duplicates(levels: list[Severity], source: str) -> None:
    seen: dict[str, int] = {}
    for severity in levels:
        if severity.level in seen:
            raise _fail(
                source,
                severity.line,
                f"{severity.level} is defined twice (first on line {seen[severity.level]})",
            )
        seen[severity.level] = severity.line


@dataclass(frozen=True, slots=True)
class _Draft:
    """A severity level as written, before it is checked: fields by lower-case name, with their lines."""

    title: str
    line: int
    values: dict[str, str]
    lines: dict[str, int]
    examples: list[str]

    def pick(self, *words: str) -> tuple[str, int]:
        """The field whose name starts with one of ``words`` ("response" finds "response time")."""
        key = next((key for key in self.values if key.startswith(words)), None)
        return (self.values[key], self.lines[key]) if key is not None else ("", self.line)


def _severity_from_heading(section: Section, source: str) -> Severity:
    draft = _Draft(section.title, section.line, {}, {}, [])
    for block in _own(section, ListBlock):
        for item in block.items:
            if item.head is None:
                continue
            key, value = _key_value(item.head)
            draft.values[key.lower()] = value
            draft.lines[key.lower()] = item.line
            if key.lower().startswith("example"):
                draft.examples.extend(part.strip() for part in value.split(",") if part.strip())
                draft.examples.extend(nested.text for nested in _nested_items(item))
    return _severity(draft, source)


def _severity_from_row(header: tuple[str, ...], row: Row, source: str) -> Severity:
    values = {name.lower(): cell for name, cell in zip(header, row.cells, strict=False)}
    draft = _Draft("", row.line, values, dict.fromkeys(values, row.line), [])
    level, _ = draft.pick("level", "severity", "priority")
    label, _ = draft.pick("name", "label")
    examples, _ = draft.pick("example")
    draft.examples.extend(part.strip() for part in re.split(r"<br\s*/?>|;", examples) if part.strip())
    return _severity(replace(draft, title=f"{label} ({level})" if label else level), source)


def _severity(draft: _Draft, source: str) -> Severity:
    level = _LEVEL.search(draft.title)
    if level is None:
        raise _fail(source, draft.line, f'severity "{draft.title}" names no level such as P0 or (P1)')
    definition, _ = draft.pick("definition", "description", "impact")
    if not definition:
        raise _fail(source, draft.line, f"{level[0]}: no definition")
    response, line = draft.pick("response")
    due = response_time(response)
    if due is None:
        problem = f'cannot read the response time "{response}" (e.g. "< 15 minutes")'
        raise _fail(source, line, f"{level[0]}: {problem}")
    return Severity(
        level=level[0],
        label=_LEVEL_MARK.sub("", draft.title).strip(" -:|\u2013\u2014") or level[0],
        definition=definition,
        response_time=due,
        response_text=response,
        escalation=draft.pick("escalat")[0],
        examples=tuple(draft.examples),
        line=draft.line,
    )


def _key_value(line: Line) -> tuple[str, str]:
    """ "**Definition:** text" or "Definition: text" -> ("Definition", "text"); else (text, "")."""
    if line.lead:
        return line.lead, line.text[len(line.lead) :].lstrip(": ").strip()
    match = _KEY_VALUE.match(line.text)
    return (match[1].strip(), match[2].strip()) if match else (line.text, "")


def _nested_items(item: Item) -> Iterator[Line]:
    for block in item.blocks:
        if isinstance(block, ListBlock):
            yield from (nested.head for nested in block.items if nested.head is not None)


# --- Process steps -----------------------------------------------------------------------------------


def _steps(section: Section | None) -> tuple[ProcessStep, ...]:
    if section is None:
        return ()
    return tuple(_step(child, position) for position, child in enumerate(section.children, start=1))


def _step(section: Section, position: int) -> ProcessStep:
    number = _STEP_NUMBER.match(section.title)
    procedures: list[Procedure] = []
    checklists: list[Checklist] = []
    for part, group in _parts(section):
        for block in _own(part, ListBlock):
            if any(item.head and _TASK.match(item.head.text) for item in block.items):
                checklists.append(_checklist(part.title, block))
            else:
                procedures.append(Procedure(part.title, group, tuple(map(_action, block.items)), block.line))
    return ProcessStep(
        order=int(number[1]) if number else position,
        title=section.title[number.end() :] if number else section.title,
        procedures=tuple(procedures),
        checklists=tuple(checklists),
        line=section.line,
    )


def _parts(step: Section) -> Iterator[tuple[Section, str]]:
    """The step and every subsection, each with the heading it is grouped under ("" at the top)."""
    yield step, ""
    for child in step.children:
        yield child, ""
        for grandchild in walk(child)[1:]:
            yield grandchild, child.title


def _checklist(title: str, block: ListBlock) -> Checklist:
    items = []
    for item in block.items:
        if item.head is None:
            continue
        task = _TASK.match(item.head.text)
        text = item.head.text[task.end() :] if task else item.head.text
        items.append(ChecklistItem(text, bool(task and task[1] in "xX"), item.line))
    within = re.search(r"within\s+(.*)", title, re.IGNORECASE)
    return Checklist(title, tuple(items), find_duration(within[1]) if within else None, block.line)


def _action(item: Item) -> Action:
    head = item.head or Line("", (), "", item.line)
    details = list(_nested_items(item))
    fences = [block for block in item.blocks if isinstance(block, Fence)]
    commands = [*head.codes, *(code for detail in details for code in detail.codes)]
    commands.extend(command.text for fence in fences for command in _fence_commands(fence))
    return Action(head.text, tuple(detail.text for detail in details), tuple(commands), item.line)


# --- Templates ---------------------------------------------------------------------------------------


def _templates(
    root: Section, process: Section | None, steps: tuple[ProcessStep, ...]
) -> tuple[Template, ...]:
    # Sections are mutable, so unhashable: map each one under a process step by identity.
    owners = {
        id(part): step.order
        for child, step in zip(process.children if process else [], steps, strict=True)
        for part in walk(child)
    }
    found = [
        _template(section.title, fence, owners.get(id(section)))
        for section in _template_sections(root, inherited=False)
        for fence in _own(section, Fence)
        if fence.content.strip()
    ]
    return tuple(sorted(found, key=lambda template: template.line))


def _template_sections(section: Section, *, inherited: bool) -> Iterator[Section]:
    """Sections headed "... Template", and every section below a "Templates" heading."""
    named = inherited or "template" in section.title.lower()
    if named:
        yield section
    for child in section.children:
        yield from _template_sections(child, inherited=named)


def _template(heading: str, fence: Fence, step: int | None) -> Template:
    first = next(line for line in fence.content.splitlines() if line.strip())
    name = _EMOJI_LEAD.sub("", first).split(" - ")[0].strip()
    if ":" in name or not name:  # the block starts with a field ("Title: ..."), not a headline
        name = heading
    return Template(name, heading, fence.content, step, fence.line)


# --- Contacts, tools, escalation ---------------------------------------------------------------------


def _entry_groups(section: Section | None) -> tuple[EntryGroup, ...]:
    if section is None:
        return ()
    groups = [_entry_group(part) for part in [section, *section.children]]
    return tuple(group for group in groups if group.entries)


def _entry_group(section: Section) -> EntryGroup:
    entries = tuple(Entry(*_key_value(line), line.line) for line in _items(section))
    return EntryGroup(section.title, entries, section.line)


def _escalation_rules(section: Section | None) -> tuple[EscalationRule, ...]:
    rules = []
    for line in _items(section):
        level = _LEVEL.search(line.text)
        rules.append(
            EscalationRule(line.text, level[0] if level else None, find_duration(line.text), line.line)
        )
    return tuple(rules)


# --- Quick-reference commands ------------------------------------------------------------------------


def _command_sections(section: Section | None) -> tuple[CommandSection, ...]:
    if section is None:
        return ()
    parts = [_command_section(part) for part in [section, *section.children]]
    return tuple(part for part in parts if part.commands)


def _command_section(section: Section) -> CommandSection:
    commands = [command for fence in _own(section, Fence) for command in _fence_commands(fence)]
    commands.extend(Command(code, "", line.line) for line in _items(section) for code in line.codes)
    return CommandSection(section.title, tuple(commands), section.line)


def _fence_commands(fence: Fence) -> Iterator[Command]:
    """Each command line of a shell block, with the ``# comment`` above it; a blank line ends a comment."""
    comment = ""
    for offset, text in enumerate(fence.content.splitlines(), start=1):
        stripped = text.strip()
        if not stripped:
            comment = ""
        elif stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
        else:
            yield Command(stripped, comment, fence.line + offset)
