"""Copying text to the responder's own clipboard, across SSH and tmux, with OSC 52.

Textual's ``App.copy_to_clipboard`` writes ``ESC ] 52 ; c ; <base64> BEL`` and nothing else. Inside tmux
that plain form reaches tmux itself: with ``set-clipboard on`` tmux keeps it as a paste buffer (and may pass
it on), but with the default ``external`` it goes no further. So inside tmux the DCS passthrough form is
written as well, which reaches the outer terminal when tmux has ``allow-passthrough on``. The text is
base64 inside the sequence: whatever it holds (ESC, BEL) cannot end the sequence early.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from textual.app import App

CLIPBOARD_FALLBACK_HINT = (
    "Copied through the terminal (OSC 52), which some terminals ignore:"
    " if nothing pastes, select the text in the view instead"
)


def osc52_sequences(text: str, *, in_tmux: bool) -> tuple[str, ...]:
    """The escape sequences that set the clipboard to ``text``; inside tmux, the passthrough form too."""
    # "replace": a lone surrogate (a name decoded with surrogateescape) would raise; the clipboard gets "?".
    payload = base64.b64encode(text.encode("utf-8", "replace")).decode("ascii")
    plain = f"\x1b]52;c;{payload}\a"
    if not in_tmux:
        return (plain,)
    # tmux passes a DCS "tmux;" body through to the outer terminal, once every ESC in it is doubled.
    return plain, "\x1bPtmux;" + plain.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def copy_to_clipboard(app: App[Any], text: str) -> None:  # Any: App's type parameter is invariant
    """Copy ``text`` as ``App.copy_to_clipboard`` does (``app.clipboard`` returns it), tmux-aware."""
    app._clipboard = text  # what Textual's own copy records; there is no public setter
    driver = app._driver  # None before the app runs
    if driver is None:
        return
    for sequence in osc52_sequences(text, in_tmux="TMUX" in os.environ):
        driver.write(sequence)
