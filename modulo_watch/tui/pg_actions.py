"""Cancel and terminate, as the responder is asked and as the timeline records them.

The question names the pid, the user and the query, so the responder confirms the backend they mean;
the record names them too, so the timeline says what was done to whom.
"""

from __future__ import annotations

from rich.text import Text

from modulo_watch.collectors.models import PgBackend
from modulo_watch.collectors.postgres.detail import PgAction, PgOutcome
from modulo_watch.widgets.safe_text import clean, inert

QUESTION_QUERY_LENGTH = 300  # enough to recognise the query; the detail view has all of it
RECORD_QUERY_LENGTH = 1000

_CONSEQUENCE = {
    PgAction.CANCEL: "Its current query stops with an error; the session stays connected.",
    PgAction.TERMINATE: "Its session ends and any open transaction rolls back.",
}

ACTIONS_OFF = "Actions are off: modulo-watch is read-only until the config says [actions] enabled = true"


def confirmation(action: PgAction, backend: PgBackend, drill: bool) -> Text:
    question = Text.assemble((f"{action.verb} backend {backend.pid}?", "bold"), "\n\n")
    for label, value in (
        ("user", backend.user),
        ("database", backend.database),
        ("app", backend.application),
    ):
        question.append(f"{label:<9}", "bold")
        question.append_text(inert(value or "-", max_length=50))
        question.append("\n")
    question.append(f"{'state':<9}", "bold")
    question.append_text(inert(backend.state or "-", max_length=50))
    question.append(f"\n{'query':<9}", "bold")
    question.append(clean(backend.query or "-", max_length=QUESTION_QUERY_LENGTH))
    question.append(f"\n\n{_CONSEQUENCE[action]}")
    if drill:
        question.append("\nA drill: only the drill's world changes.", "italic")
    return question


def record_action(action: PgAction) -> str:
    """The entry's action, as the server function that does it."""
    return f"pg_{action.value}_backend"


def record_target(backend: PgBackend) -> str:
    who = f"pid {backend.pid} (user {backend.user}, database {backend.database}, app {backend.application})"
    return f"{who}: {backend.query[:RECORD_QUERY_LENGTH]}"


def outcome_message(action: PgAction, outcome: PgOutcome, pid: int) -> str:
    if outcome is PgOutcome.GONE:
        return f"Backend {pid} had already ended (or its pid went to another session): nothing was done"
    if outcome is PgOutcome.REFUSED:
        return f"The server did not signal backend {pid}"
    return f"Backend {pid}: query cancelled" if action is PgAction.CANCEL else f"Backend {pid} terminated"
