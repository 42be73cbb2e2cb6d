"""OSC 52 sequences for the clipboard: the text travels as base64, and tmux gets its passthrough form too."""

from __future__ import annotations

import base64
import re

import pytest
from textual.app import App

from modulo_watch.tui.clipboard import CLIPBOARD_FALLBACK_HINT, copy_to_clipboard, osc52_sequences
from tests.hostile import BEL, ESC, HOSTILE_STRINGS

PLAIN = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


def payload(sequence: str) -> str:
    match = PLAIN.fullmatch(sequence)
    assert match is not None, repr(sequence)
    return base64.b64decode(match[1], validate=True).decode("utf-8")


@pytest.mark.parametrize("text", ["", "kubectl rollout undo deploy/api", "ünïcødé ☠ 🚨\nsecond line"])
def test_the_plain_sequence_carries_the_text_in_base64(text: str) -> None:
    [plain] = osc52_sequences(text, in_tmux=False)

    assert payload(plain) == text


@pytest.mark.parametrize("text", HOSTILE_STRINGS)
def test_hostile_text_stays_inside_the_base64(text: str) -> None:
    for sequence in osc52_sequences(text, in_tmux=True):
        # One ESC opens the sequence, one BEL ends it (plus the doubled and closing ESCs of tmux's form).
        assert sequence.count(BEL) == 1 and sequence.endswith((BEL, f"{ESC}\\"))

    assert payload(osc52_sequences(text, in_tmux=True)[0]) == text.encode("utf-8", "replace").decode()


def test_inside_tmux_the_passthrough_form_doubles_every_esc() -> None:
    plain, wrapped = osc52_sequences(f"a{ESC}b", in_tmux=True)

    assert wrapped.startswith(f"{ESC}Ptmux;") and wrapped.endswith(f"{ESC}\\")
    inner = wrapped.removeprefix(f"{ESC}Ptmux;").removesuffix(f"{ESC}\\")
    assert inner == plain.replace(ESC, ESC * 2)


def test_a_lone_surrogate_is_copied_as_a_question_mark() -> None:
    [plain] = osc52_sequences("pod-\udcff", in_tmux=False)

    assert payload(plain) == "pod-?"


def test_the_hint_is_one_line() -> None:
    assert "\n" not in CLIPBOARD_FALLBACK_HINT and "OSC 52" in CLIPBOARD_FALLBACK_HINT


class Quiet(App[None]):
    pass


async def test_copy_records_the_text_and_writes_every_sequence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    app = Quiet()
    async with app.run_test():
        written: list[str] = []
        assert app._driver is not None
        monkeypatch.setattr(app._driver, "write", written.append)

        copy_to_clipboard(app, "runbook step 3")

        assert app.clipboard == "runbook step 3"
        assert written == list(osc52_sequences("runbook step 3", in_tmux=True))


def test_copy_before_the_app_runs_only_records_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMUX", raising=False)
    app = Quiet()

    copy_to_clipboard(app, "x")

    assert app.clipboard == "x"
