"""Property-based tests: no input makes the parser fail other than with a one-line RunbookError."""

from __future__ import annotations

import re
import string
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modulo_watch.incident.runbook import Runbook, RunbookError, parse_runbook
from modulo_watch.incident.runbook_read import decode

ERROR = re.compile(r"^src\.md:(\d+): \S[^\n]*$")

# Lines a runbook is made of, so that generated documents reach past the first heading.
FRAGMENTS = st.sampled_from(
    [
        "# Runbook",
        "## Incident Severity Levels",
        "### Critical (P0)",
        "### High (P1)",
        "### Nameless",
        "- **Definition:** down",
        "- **Response Time:** < 5 minutes",
        "- **Response Time:** soon",
        "- **Examples:**",
        "  - API down",
        "## Incident Response Process",
        "### 1. Detection",
        "#### Communication Template:",
        "#### Within 1 hour:",
        "- [ ] check it",
        "- [x] done",
        "1. **Acknowledge** `kubectl get pods`",
        "```",
        "```bash",
        "~~~",
        "   ```",
        "# comment",
        "> quoted",
        "| Level | Name | Definition | Response time |",
        "|---|---|---|---|",
        "| P2 | Medium | slow | 1 h |",
        "| x |",
        "## Emergency Contacts",
        "## Escalation Procedures",
        "### When to Escalate",
        "- Unable to resolve P0 incident within 30 minutes",
        "## Quick Reference Commands",
        "[link](https://example.com) <https://example.com> ![img](x.png)",
        "",
    ]
)
DOCUMENTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=40).map("\n".join)


def check(text: str) -> Runbook | None:
    """Parse; a failure must be a RunbookError of one line naming a line of the input."""
    try:
        return parse_runbook(text, "src.md")
    except RunbookError as err:
        match = ERROR.match(str(err))
        assert match, str(err)
        assert 1 <= int(match[1]) <= len(re.split(r"\r\n?|\n", text)) + 1
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    check(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_markdown_shaped_text_parses_or_fails_cleanly(text: str) -> None:
    runbook = check(text)
    if runbook is not None:
        assert runbook.severities, "a runbook without severity levels must be refused"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_decode_and_parse_or_fail_cleanly(data: bytes) -> None:
    try:
        text = decode(data, "src.md")
    except RunbookError as err:
        assert re.match(r"^src\.md:\d+: [^\n]+$", str(err)), str(err)
        return
    check(text)


# Letters from several scripts, but not the Latin-1 and Latin Extended letters that mojibake is made of:
# the repair is a heuristic, and "Ā²" really could be a mis-decoded "²".
ALPHABET = string.ascii_letters + string.digits + "éüñçø" + "ΩλжЯ日本語" + "\N{POLICE CARS REVOLVING LIGHT}"
WORDS = st.text(alphabet=ALPHABET, min_size=1, max_size=12)
PHRASES = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)
UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}
LEVELS = st.fixed_dictionaries(
    {
        "label": WORDS.filter(lambda word: not re.fullmatch(r"P\d", word)),
        "definition": PHRASES,
        "amount": st.integers(min_value=1, max_value=999),
        "unit": st.sampled_from(sorted(UNITS)),
        "escalation": PHRASES,
        "examples": st.lists(PHRASES, max_size=4),
    }
)


def render_level(number: int, level: dict[str, object]) -> str:
    examples = "".join(f"  - {example}\n" for example in level["examples"])  # type: ignore[attr-defined]
    return (
        f"### {level['label']} (P{number})\n"
        f"- **Definition:** {level['definition']}\n"
        f"- **Response Time:** < {level['amount']} {level['unit']}\n"
        f"- **Escalation:** {level['escalation']}\n"
        f"- **Examples:**\n{examples}\n"
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(LEVELS, min_size=1, max_size=6), st.lists(PHRASES, min_size=1, max_size=6))
def test_severities_and_checklists_round_trip(levels: list[dict[str, object]], items: list[str]) -> None:
    text = "# Runbook\n\n## Incident Severity Levels\n\n"
    text += "".join(render_level(number, level) for number, level in enumerate(levels))
    text += "## Incident Response Process\n\n### 1. Triage\n\n#### Checklist:\n"
    text += "".join(f"- [ ] {item}\n" for item in items)

    runbook = parse_runbook(text, "src.md")

    assert [s.level for s in runbook.severities] == [f"P{number}" for number in range(len(levels))]
    for severity, level in zip(runbook.severities, levels, strict=True):
        assert (severity.label, severity.definition, severity.escalation) == (
            level["label"],
            level["definition"],
            level["escalation"],
        )
        assert severity.response_time == level["amount"] * UNITS[str(level["unit"])]  # type: ignore[operator]
        assert list(severity.examples) == level["examples"]
    assert [item.text for item in runbook.steps[0].checklists[0].items] == items
