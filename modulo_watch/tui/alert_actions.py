"""Acknowledging alerts, as the responder is asked and as the timeline records it.

The question names what the silence will match, for how long and as whom, so the responder sees
that it silences what they mean (a group's silence matches what its alerts share, and nothing else).
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta

from rich.text import Text

from modulo_watch.collectors.alertmanager.acks import Matcher
from modulo_watch.collectors.models import Acknowledgement, Alert
from modulo_watch.widgets.badges import format_age
from modulo_watch.widgets.safe_text import clean, inert

MATCHERS_SHOWN = 8
FROM_PROMETHEUS = (
    "These alerts come from Prometheus, which cannot silence them: set [alertmanager] url to acknowledge"
)


def responder() -> str:
    """Who acknowledges, as the silence's author: the login on this host, as amtool would put it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def matchers_text(matchers: Sequence[Matcher]) -> str:
    shown = [f'{m.name}="{m.value}"' for m in matchers[:MATCHERS_SHOWN]]
    more = len(matchers) - MATCHERS_SHOWN
    return "{" + ", ".join(shown) + (f", +{more} more" if more > 0 else "") + "}"


def ack_question(
    what: str,
    alerts: Sequence[Alert],
    matchers: Sequence[Matcher],
    duration: timedelta,
    author: str,
    drill: bool,
) -> Text:
    question = Text.assemble(
        ("Acknowledge ", "bold"), inert(what, "bold", max_length=60), ("?", "bold"), "\n\n"
    )
    for label, value in (
        ("alerts", f"{len(alerts)} firing now"),
        ("silence", matchers_text(matchers)),
        ("for", format_age(duration.total_seconds())),
        ("as", author),
    ):
        question.append(f"{label:<9}", "bold")
        question.append(clean(value, max_length=300))
        question.append("\n")
    question.append(
        "\nA silence in Alertmanager: these alerts stop notifying until it ends, and so do new alerts"
        " with the same labels."
    )
    if drill:
        question.append("\nA drill: only the drill's world changes.", "italic")
    return question


def unack_question(what: str, acks: Sequence[Acknowledgement], now: datetime, drill: bool) -> Text:
    question = Text.assemble(
        ("Take back the acknowledgement of ", "bold"), inert(what, "bold", max_length=60)
    )
    question.append("?\n\n", "bold")
    for ack in acks:
        question.append(f"silence {ack.silence_id[:8]}", "bold")
        question.append(
            clean(f"  by {ack.by}, {format_age((ack.until - now).total_seconds())} left", max_length=120)
        )
        question.append("\n")
    question.append("\nThe alerts notify again at once if they still fire.")
    if drill:
        question.append("\nA drill: only the drill's world changes.", "italic")
    return question


def ack_comment(incident_id: str | None) -> str:
    return f"acknowledged for {incident_id}" if incident_id else "acknowledged from modulo-watch"


def ack_target(what: str, matchers: Sequence[Matcher]) -> str:
    return f"{what} {matchers_text(matchers)}"
