"""A bounded log on Textual's Line API: only the lines on screen are drawn.

It keeps at most ``max_lines`` lines (the oldest go first), each made inert once when it arrives
(``clean``: ESC and every other control character become visible placeholders). While the view is
at the bottom it follows new lines, as ``tail -f``; scrolled up, it stays on the lines being read,
even as old ones drop off the top. A search highlights every match on screen, and ``next_match``
walks through the matching lines.
"""

from __future__ import annotations

import bisect
import re
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from modulo_watch.collectors.inspect import LogLine
from modulo_watch.widgets.safe_text import clean

MAX_LINES = 10_000
MAX_LINE_CELLS = 4_000  # longer lines are cut: nobody scrolls sideways through a megabyte
TIME_WIDTH = 8  # "14:12:03"


class _Entry(NamedTuple):
    line: LogLine
    text: str  # cleaned, tabs expanded: what is drawn and searched
    time: str


class _Styles(NamedTuple):
    base: Style
    time: Style
    note: Style
    match: Style
    current: Style


class LogView(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--time",
        "log-view--note",
        "log-view--match",
        "log-view--current",
    }

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $foreground;
        & > .log-view--time { color: $text-muted; }
        & > .log-view--note { color: $warning; text-style: italic; }
        & > .log-view--match { background: $accent 40%; }
        & > .log-view--current { background: $accent; color: $text; text-style: bold; }
    }
    """

    def __init__(self, max_lines: int = MAX_LINES, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._entries: deque[_Entry] = deque(maxlen=max_lines)
        self._first = 0  # the sequence number of the oldest line kept; a line's number never changes
        self._widest = 0
        self._pinned = True  # at the bottom: new lines scroll into view
        self._pattern: re.Pattern[str] | None = None
        self._matches: list[int] = []  # sequence numbers of matching lines, ascending
        self._current: int | None = None
        self._prefixes: dict[str, tuple[str, str]] = {}
        self._prefix_width = 0
        self._strips: LRUCache[int, Strip] = LRUCache(1024)
        self._styles: _Styles | None = None
        self._clock_texts: dict[int, str] = {}

    # --- contents ---------------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self._entries)

    @property
    def dropped(self) -> int:
        """How many lines fell off the top since the last ``clear``."""
        return self._first

    @property
    def lines(self) -> list[LogLine]:
        return [entry.line for entry in self._entries]

    @property
    def following(self) -> bool:
        return self._pinned

    def clear(self) -> None:
        self._entries.clear()
        self._first = self._widest = 0
        self._matches, self._current = [], None
        self._pinned = True
        self._changed()
        self.scroll_to(0, 0, animate=False, force=True)

    def set_prefixes(self, prefixes: Mapping[str, tuple[str, str]]) -> None:
        """Show each line's pod as a label: {pod name: (short label, Rich style)}; empty for none."""
        self._prefixes = {
            pod: (clean(label, max_length=24), style) for pod, (label, style) in prefixes.items()
        }
        self._prefix_width = max((cell_len(label) for label, _ in self._prefixes.values()), default=0)
        self._changed()

    def append(self, lines: Sequence[LogLine]) -> None:
        entries, first_before = self._entries, self._first
        count_before = len(entries)
        keep = entries.maxlen or len(lines)
        self._first += max(0, len(lines) - keep)  # lines that would drop off at once are never made
        for line in lines[-keep:]:
            text = clean(line.text[: 2 * MAX_LINE_CELLS].expandtabs(4))
            width = len(text) if text.isascii() else cell_len(text)  # ASCII: one cell a character
            if width > MAX_LINE_CELLS:
                text = clean(text, max_length=MAX_LINE_CELLS)
                width = cell_len(text)
            if len(entries) == entries.maxlen:
                self._first += 1
            entries.append(_Entry(line, text, self._clock_text(line.timestamp)))
            self._widest = max(self._widest, width)
            if self._pattern is not None and self._pattern.search(text):
                self._matches.append(self._first + len(entries) - 1)
        dropped = self._first - first_before
        if not dropped and len(entries) == count_before:
            return
        self._forget_dropped()
        self._update_size()
        if self._pinned:
            self.scroll_to(y=self.max_scroll_y, animate=False, force=True)
        elif dropped:  # keep showing the lines being read while older ones drop off the top
            self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, force=True)
        self.refresh()

    def _clock_text(self, moment: datetime | None) -> str:
        """HH:MM:SS in local time; converting the zone is most of a line's cost, so once a second."""
        if moment is None:
            return ""
        second = int(moment.timestamp())
        text = self._clock_texts.get(second)
        if text is None:
            if len(self._clock_texts) > 4096:
                self._clock_texts.clear()
            text = self._clock_texts[second] = moment.astimezone().strftime("%H:%M:%S")
        return text

    def _forget_dropped(self) -> None:
        cut = bisect.bisect_left(self._matches, self._first)
        if cut:
            del self._matches[:cut]
        if self._current is not None and self._current < self._first:
            self._current = None

    # --- search -----------------------------------------------------------------------------------------

    @property
    def match_count(self) -> int:
        return len(self._matches)

    @property
    def match_position(self) -> int | None:
        """The current match's place among the matches (1 for the oldest), or None."""
        if self._current is None:
            return None
        return bisect.bisect_left(self._matches, self._current) + 1

    def search(self, needle: str) -> None:
        """Highlight ``needle`` (case-insensitive, literal) and go to its newest match."""
        # Lines are searched as shown (an ESC is "␛"): the needle is cleaned the same way.
        self._pattern = re.compile(re.escape(clean(needle)), re.IGNORECASE) if needle else None
        pattern = self._pattern
        self._matches = (
            [self._first + i for i, entry in enumerate(self._entries) if pattern.search(entry.text)]
            if pattern is not None
            else []
        )
        self._current = None
        self._changed()
        if self._matches:
            self._go_to(self._matches[-1])

    def next_match(self, backwards: bool = False) -> bool:
        """Go to the next (newer) or previous (older) matching line, wrapping around."""
        if not self._matches:
            return False
        if self._current is None:
            target = self._matches[-1] if backwards else self._matches[0]
        elif backwards:
            index = bisect.bisect_left(self._matches, self._current) - 1
            target = self._matches[index]  # -1 wraps to the newest
        else:
            index = bisect.bisect_right(self._matches, self._current)
            target = self._matches[index % len(self._matches)]
        self._go_to(target)
        return True

    def _go_to(self, sequence: int) -> None:
        previous, self._current = self._current, sequence
        for seq in (previous, sequence):
            if seq is not None:
                self._strips.discard(seq)
        index = sequence - self._first
        height = self.scrollable_content_region.height
        if not round(self.scroll_y) <= index < round(self.scroll_y) + height:
            self.scroll_to(y=max(0, index - height // 2), animate=False, force=True)
        self._pinned = round(self.scroll_y) >= self.max_scroll_y
        self.refresh()

    # --- layout and drawing -----------------------------------------------------------------------------

    def _changed(self) -> None:
        self._strips.clear()
        self._update_size()
        self.refresh()

    def _update_size(self) -> None:
        prefix = self._prefix_width + 1 if self._prefix_width else 0
        width = TIME_WIDTH + 1 + prefix + self._widest
        self.virtual_size = Size(width, len(self._entries))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._pinned = round(new_value) >= self.max_scroll_y

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _get_styles(self) -> _Styles:
        if self._styles is None:
            base = self.rich_style
            self._styles = _Styles(
                base,
                self.get_component_rich_style("log-view--time"),
                self.get_component_rich_style("log-view--note"),
                self.get_component_rich_style("log-view--match"),
                self.get_component_rich_style("log-view--current"),
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        styles = self._get_styles()
        index = scroll_y + y
        if index >= len(self._entries):
            return Strip.blank(width, styles.base)
        sequence = self._first + index
        strip = self._strips.get(sequence)
        if strip is None:
            strip = self._strips[sequence] = self._draw(self._entries[index], sequence, styles)
        return strip.crop_extend(scroll_x, scroll_x + width, styles.base)

    def _draw(self, entry: _Entry, sequence: int, styles: _Styles) -> Strip:
        segments = [Segment(entry.time.ljust(TIME_WIDTH), styles.time), Segment(" ")]
        if self._prefix_width:
            label, style = self._prefixes.get(entry.line.pod, ("", ""))
            segments.append(
                Segment(label.ljust(self._prefix_width), self.app.console.get_style(style, default=""))
            )
            segments.append(Segment(" "))
        text = entry.text
        if entry.line.note:
            segments.append(Segment(text, styles.note))
        elif self._pattern is None:
            segments.append(Segment(text))
        else:
            highlight = styles.current if sequence == self._current else styles.match
            end = 0
            for found in self._pattern.finditer(text):
                segments.append(Segment(text[end : found.start()]))
                segments.append(Segment(found.group(), highlight))
                end = found.end()
            segments.append(Segment(text[end:]))
        return Strip(Segment.apply_style(segments, styles.base))
