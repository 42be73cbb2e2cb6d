"""The guided steps screen: the runbook's steps with the pane each leads to, the fitting playbook first."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from textual._compositor import LayoutUpdate
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from modulo_watch.incident.assess import Evidence, Verdict
from modulo_watch.incident.guide import GuideStep, Target, guide
from modulo_watch.incident.runbook import load_runbook
from modulo_watch.tui.keys import STEPS_KEYS, binding_ids
from modulo_watch.tui.screens.steps import StepsScreen
from tests.hostile import FORBIDDEN_OUTPUT, HOSTILE_STRINGS

SEED = Path(__file__).parent.parent / "data" / "incident-response-runbook.md"
SIZE = (130, 50)
UNSET = object()
DEADLINE_PAUSES = 500


class StepsApp(App[None]):
    """Nothing but the screen, and what it was dismissed with."""

    def __init__(self, steps: tuple[GuideStep, ...]) -> None:
        super().__init__()
        self.steps = steps
        self.result: object = UNSET

    def compose(self) -> ComposeResult:
        yield Static("war room")

    def on_mount(self) -> None:
        self.push_screen(StepsScreen(self.steps), self._dismissed)

    def _dismissed(self, target: Target | None) -> None:
        self.result = target


async def until(pilot: Pilot[None], condition: object, what: str) -> None:
    assert callable(condition)
    for _ in range(DEADLINE_PAUSES):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def words(app: App[None]) -> str:
    svg = app.export_screenshot()
    text = html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")
    return " ".join(text.split())


def terminal_output(app: App[None]) -> str:
    update = app.screen._compositor.render_update(full=True)
    assert isinstance(update, LayoutUpdate)
    return update.render_segments(app.console)


def seed_steps(**bad: str) -> tuple[GuideStep, ...]:
    readings = {
        "apis": ("Critical APIs", "login 503 for 3m"),
        "database": ("Database connections", "12/100, 4 waiting on locks"),
    }
    evidence = [
        Evidence(key, label, reading, Verdict(bad.get(key, "ok")))
        for key, (label, reading) in readings.items()
    ]
    return guide(load_runbook(SEED), evidence)


def screen_of(app: App[None]) -> StepsScreen:
    assert isinstance(app.screen, StepsScreen)
    return app.screen


async def test_the_fitting_playbook_comes_first_and_enter_goes_to_its_pane() -> None:
    app = StepsApp(seed_steps(database="bad"))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps screen")
        await pilot.pause()
        text = words(app)
        assert "★ Database Issues" in text
        assert "fits now: Database connections: 12/100, 4 waiting on locks" in text
        assert (
            text.index("Database Issues") < text.index("Investigation Steps") < text.index("API Service Down")
        )
        assert "Check PostgreSQL logs → postgres" in text
        assert "Check recent deployments → rollouts" in text
        assert "$ kubectl logs postgres-0" in text, "commands under their step"
        screen = screen_of(app)
        assert screen.highlighted is not None and screen.highlighted.title == "Check PostgreSQL logs"

        await pilot.press("enter")

        await until(pilot, lambda: app.result is not UNSET, "the screen to close")
        assert app.result is Target.POSTGRES
        assert not isinstance(app.screen, StepsScreen)


async def test_the_cursor_skips_the_procedure_headings() -> None:
    app = StepsApp(seed_steps())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps screen")
        screen = screen_of(app)
        titles = []
        for press in range(6):
            if press:
                await pilot.press("down")
            step = screen.highlighted
            assert step is not None
            titles.append(step.title)
        assert titles == [
            "Check recent deployments",
            "Review monitoring dashboards",
            "Check infrastructure status",
            "Review database health",
            "Check pod status",  # across the "API Service Down" heading
            "Check logs",
        ]

        await pilot.press("enter")

        await until(pilot, lambda: app.result is not UNSET, "the screen to close")
        assert app.result is Target.POD_LOGS


async def test_a_step_no_pane_answers_shows_its_commands_and_escape_goes_back() -> None:
    steps = seed_steps(apis="bad")
    app = StepsApp(steps)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps screen")
        assert steps[3].title == "Check service/ingress" and steps[3].target is None
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()

        screen = screen_of(app)
        assert app.result is UNSET, "still open"
        assert screen.shown is steps[3]
        text = words(app)
        assert "no pane answers this step: run the commands above" in text
        assert "$ kubectl get svc,ingress" in text

        await pilot.press("escape")

        await until(pilot, lambda: app.result is not UNSET, "the screen to close")
        assert app.result is None


async def test_a_click_on_a_step_goes_to_its_pane() -> None:
    app = StepsApp(seed_steps())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps screen")
        options = app.screen.query_one(OptionList)
        options.action_select()  # as a click does: OptionSelected for the highlighted step

        await until(pilot, lambda: app.result is not UNSET, "the screen to close")
        assert app.result is Target.ROLLOUTS


async def test_a_runbook_with_nothing_to_guide_says_so() -> None:
    app = StepsApp(())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps screen")
        await pilot.pause()
        assert "no investigation steps or troubleshooting playbooks" in words(app)
        await pilot.press("enter", "q")
        await until(pilot, lambda: app.result is not UNSET, "the screen to close")
        assert app.result is None


def test_the_keys_have_ids_a_keymap_can_rebind() -> None:
    assert {spec.id for spec in STEPS_KEYS} == {"steps-close", "steps-go"}
    assert {"steps-close", "steps-go"} <= binding_ids()


async def test_a_keymap_rebinds_the_screen_keys_by_id() -> None:
    app = StepsApp(seed_steps())
    app.set_keymap({"steps-go": "g", "steps-close": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps screen")
        await pilot.press("down", "g")

        await until(pilot, lambda: app.result is not UNSET, "the screen to close")
        assert app.result is Target.ERROR_RATE  # "Review monitoring dashboards"


@pytest.mark.parametrize("start", range(0, len(HOSTILE_STRINGS), 10))
async def test_hostile_runbook_text_is_inert(start: int) -> None:
    texts = HOSTILE_STRINGS[start : start + 10]
    steps = tuple(
        GuideStep(
            title=text,
            procedure=f"{text} Down",
            action_text=text,
            commands=(text, f"kubectl logs {text}"),
            target=Target.PODS if index % 2 else None,
            line=index + 1,
            reason=f"Critical APIs: {text}" if index < 3 else "",
            details=(text,),
        )
        for index, text in enumerate(texts)
    )
    app = StepsApp(steps)
    output = ""
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StepsScreen), "the steps screen")
        await pilot.pause()
        output += terminal_output(app)
        for _ in range(len(steps)):  # each step's detail, and the one no pane answers, chosen
            await pilot.press("down")
            shown = screen_of(app).shown
            if shown is not None and shown.target is None:
                await pilot.press("enter")  # keeps the screen open, shows the commands
            await pilot.pause()
            output += terminal_output(app)
        assert app.result is UNSET

    for forbidden in FORBIDDEN_OUTPUT:
        assert forbidden not in output, f"{forbidden!r} reached the terminal from the runbook"
    assert "\x00" not in output
    if any("[bold red]" in text for text in texts):
        assert "[bold red]x[/]" in output, "markup is shown literally, not interpreted"
