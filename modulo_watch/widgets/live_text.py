"""Text that changes every second without making Textual lay the screen out again."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class LiveText(Widget):
    """Like ``Static``, but ``show`` only repaints when the text keeps its number of lines.

    ``Static.update`` always asks for a new layout of the whole screen, which for a clock that
    ticks every second is most of the app's idle CPU.
    """

    DEFAULT_CSS = """
    LiveText { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._text = Text()

    @property
    def text(self) -> Text:
        return self._text

    def show(self, text: Text) -> None:
        if text == self._text:
            return
        relayout = text.plain.count("\n") != self._text.plain.count("\n")
        self._text = text
        self.refresh(layout=relayout)

    def render(self) -> Text:
        return self._text
