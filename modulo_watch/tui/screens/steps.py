"""Guided steps: the runbook's investigation steps and playbooks, each leading to the pane that answers it.

The playbook that fits the live evidence comes first, with the reading that made it fit. Enter on a step
dismisses with its :class:`Target` (the caller focuses that pane or view); a step no pane answers keeps
the screen open and shows the commands to run instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from modulo_watch.incident.guide import GuideStep, Target
from modulo_watch.tui.keys import STEPS_KEYS, bindings
from modulo_watch.widgets.badges import Palette
from modulo_watch.widgets.safe_text import inert

__all__ = ["StepsScreen", "group_prompt", "step_detail", "step_prompt"]

MAX_TITLE = 90
MAX_COMMAND = 110
MAX_REASON = 110
MAX_TEXT = 4000
STEP_ID = "step-"  # option ids: "step-3" is steps[3]; a procedure's heading has no id


def group_prompt(step: GuideStep, palette: Palette) -> Text:
    """The heading of a procedure; an offered playbook says why it comes first."""
    prompt = Text("★ " if step.offered else "", f"bold {palette.warning}")
    prompt.append_text(inert(step.procedure or "Steps", "bold", max_length=MAX_TITLE))
    if step.offered:
        prompt.append("\n  fits now: ", palette.warning)
        prompt.append_text(inert(step.reason, palette.warning, max_length=MAX_REASON))
    return prompt


def step_prompt(step: GuideStep, palette: Palette) -> Text:
    """One step: its title and "→ rollouts" (where Enter leads), its commands muted below."""
    prompt = Text("  ")
    prompt.append_text(inert(step.title, max_length=MAX_TITLE))
    if step.target is not None:
        prompt.append(f"  → {step.target.label}", f"bold {palette.accent}")
    else:
        prompt.append("  · run", palette.muted)
    for command in step.commands:
        prompt.append("\n    $ ", palette.muted)
        prompt.append_text(inert(command, palette.muted, max_length=MAX_COMMAND))
    return prompt


def step_detail(step: GuideStep, palette: Palette, *, chosen: bool = False) -> Text:
    """The highlighted step in full: as written, its bullets, its commands, and where it leads."""
    lines = [inert(step.action_text, "bold", single_line=False, max_length=MAX_TEXT)]
    lines += [inert(f"· {detail}", single_line=False, max_length=MAX_TEXT) for detail in step.details]
    lines += [
        inert(f"$ {command}", palette.accent, single_line=False, max_length=MAX_TEXT)
        for command in step.commands
    ]
    where = Text(f"runbook line {step.line} · ", palette.muted)
    if step.target is not None:
        where.append(f"enter: go to {step.target.label}", palette.muted)
    elif chosen:
        where.append("no pane answers this step: run the commands above", f"bold {palette.warning}")
    else:
        where.append("no pane answers this step", palette.muted)
    lines.append(where)
    return Text("\n").join(lines)


class StepsScreen(ModalScreen[Target | None]):
    """Dismisses with the chosen step's target, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(STEPS_KEYS))

    DEFAULT_CSS = """
    StepsScreen { align: center middle; }
    StepsScreen > Vertical {
        width: 110; max-width: 95%; height: 90%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    StepsScreen OptionList, StepsScreen OptionList:focus {
        height: 1fr; border: none; padding: 0;
    }
    StepsScreen #steps-detail {
        height: auto; max-height: 8; border-top: solid $panel; padding: 0 1;
    }
    StepsScreen #steps-empty { padding: 1 2; }
    """

    def __init__(self, steps: Sequence[GuideStep]) -> None:
        super().__init__()
        self.steps = tuple(steps)
        self.palette = Palette()
        self.shown: GuideStep | None = None  # the step in the detail area

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Guided steps"
            box.border_subtitle = "enter go · escape back"
            if not self.steps:
                yield Static(
                    Text("The runbook has no investigation steps or troubleshooting playbooks."),
                    id="steps-empty",
                )
                return
            yield OptionList(*self._options(), markup=False, id="steps-list")
            with VerticalScroll(id="steps-detail"):
                yield Static(id="steps-detail-text")

    def _options(self) -> list[Option | None]:
        options: list[Option | None] = []
        procedure: str | None = None
        for index, step in enumerate(self.steps):
            if step.procedure != procedure or (index and step.offered != self.steps[index - 1].offered):
                if options:
                    options.append(None)  # a separator between procedures
                options.append(Option(group_prompt(step, self.palette), disabled=True))
                procedure = step.procedure
            options.append(Option(step_prompt(step, self.palette), id=f"{STEP_ID}{index}"))
        return options

    def on_mount(self) -> None:
        self.palette = Palette.from_theme(self.app.theme_variables)
        if not self.steps:
            return
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options())  # again, in the theme's colours
        options.highlighted = options.get_option_index(f"{STEP_ID}0")
        options.focus()
        self._show(self.steps[0])

    @property
    def highlighted(self) -> GuideStep | None:
        """The step under the cursor."""
        if not self.steps:
            return None
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return self._step_of(options.get_option_at_index(options.highlighted))

    def _step_of(self, option: Option) -> GuideStep | None:
        if option.id is None or not option.id.startswith(STEP_ID):
            return None
        return self.steps[int(option.id.removeprefix(STEP_ID))]

    def _show(self, step: GuideStep, *, chosen: bool = False) -> None:
        self.shown = step
        self.query_one("#steps-detail-text", Static).update(step_detail(step, self.palette, chosen=chosen))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        step = self._step_of(event.option)
        if step is not None:
            self._show(step)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:  # a click on a step
        event.stop()
        step = self._step_of(event.option)
        if step is not None:
            self._go(step)

    def action_go(self) -> None:
        step = self.highlighted
        if step is not None:
            self._go(step)

    def _go(self, step: GuideStep) -> None:
        if step.target is None:
            self._show(step, chosen=True)
            return
        self.dismiss(step.target)

    def action_close(self) -> None:
        self.dismiss(None)
