"""The top line: what is being watched, on what clock, and whether it is a drill."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from modulo_watch.collectors.clock import DrillClock
from modulo_watch.incident.incident import Incident
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.live_text import LiveText
from modulo_watch.widgets.safe_text import inert


def top_bar_text(
    now: datetime,
    drill: DrillClock | None,
    scenario_title: str | None,
    incident: Incident | None,
    palette: Palette,
    context: str | None = None,
) -> Text:
    bar = Text.assemble((" modulo-watch ", "bold"))
    if drill is not None:
        bar.append(" DRILL ", f"bold reverse {palette.warning}")
        bar.append(" ")
        bar.append_text(inert(scenario_title or "", "bold", max_length=48))
        state = "PAUSED" if drill.paused else f"x{drill.speed:g} ▶"
        bar.append(f"  sim {now.astimezone():%H:%M:%S} {state}", palette.warning if drill.paused else "")
    else:
        bar.append(" LIVE ", f"bold reverse {palette.ok}")
        bar.append(f"  {now.astimezone():%H:%M:%S}")
    if context is not None:  # the kubeconfig context: which cluster the Kubernetes panes show
        bar.append("   context ", palette.muted)
        bar.append_text(inert(context, "bold", max_length=40))
    if incident is not None:
        bar.append("   ")
        bar.append(f" {incident.severity} ", f"bold reverse {palette.error}")
        bar.append(" ")
        bar.append_text(inert(incident.id, "bold"))
    return bar


class TopBar(LiveText):
    DEFAULT_CSS = """
    TopBar { dock: top; height: 1; background: $panel; }
    """
