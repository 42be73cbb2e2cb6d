"""Columns, rows and the drawing of one table line, apart from the widget (see ``table.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from modulo_watch.widgets.safe_text import clean, scrub_text

__all__ = ["Align", "Cell", "Column", "Row", "column_widths", "render_cells"]

Align = Literal["left", "right"]
Cell = Text | str
"""A ``Text`` (ideally from ``inert()``; its control characters are replaced anyway) or a raw
``str`` (cleaned by the table). Plain ``str`` cells are the cheapest: no markup, no objects for
the garbage collector to walk."""

_MIN_FLEX_WIDTH = 4


@dataclass(frozen=True, slots=True)
class Column:
    """A column: ``width=None`` makes it flexible (flexible columns share the spare width).

    ``min_width`` is the narrowest a flexible column gets before the table scrolls sideways
    instead (a pod name cut to four letters helps nobody).
    """

    key: str
    label: str
    width: int | None = None
    align: Align = "left"
    min_width: int = _MIN_FLEX_WIDTH


@dataclass(frozen=True, slots=True)
class Row:
    """A ready-made row: a stable key (the cursor follows it), its cells and a base style.

    ``style`` (a Rich style, e.g. for a faulty pod) lies under the cells' own styles.
    """

    key: str
    cells: tuple[Cell, ...]
    style: str = ""


def column_widths(columns: Sequence[Column], available: int) -> tuple[int, ...]:
    """Widths for ``columns`` in ``available`` cells (each column is preceded by one space).

    Flexible columns share what the fixed ones leave, but never shrink below their label or their
    ``min_width``: the table then scrolls sideways.
    """
    flexible = [index for index, column in enumerate(columns) if column.width is None]
    widths = [column.width or 0 for column in columns]
    if flexible:
        spare = available - sum(widths) - len(columns)
        share, extra = divmod(max(spare, 0), len(flexible))
        for position, index in enumerate(flexible):
            minimum = max(cell_len(columns[index].label), columns[index].min_width)
            widths[index] = max(minimum, share + (1 if position < extra else 0))
    return tuple(widths)


def render_cells(
    cells: Sequence[Cell],
    columns: Sequence[Column],
    widths: Sequence[int],
    style: Style,
    console: Console,
) -> Strip:
    """One table line: each cell cut to its column (with "…") and aligned, ``style`` underneath.

    Missing cells are blank, extra cells are ignored.
    """
    segments: list[Segment] = []
    append = segments.append
    for position, (column, width) in enumerate(zip(columns, widths, strict=True)):
        cell = cells[position] if position < len(cells) else ""
        if isinstance(cell, str):
            text = clean(cell, max_length=width)
            cell_segments = [Segment(text)]
            used = cell_len(text)
        else:
            cell_segments, used = _render_text(scrub_text(cell), width, console)
        append(Segment(" "))
        pad = Segment(" " * (width - used))
        if column.align == "right":
            append(pad)
        segments.extend(cell_segments)
        if column.align != "right":
            append(pad)
    return Strip(Segment.apply_style(segments, style), sum(widths) + len(widths))


def _render_text(text: Text, width: int, console: Console) -> tuple[list[Segment], int]:
    """Segments of ``text`` cut to ``width`` cells with "…", and the cells they take."""
    if text.cell_len > width:
        text = text.copy()
        text.truncate(width, overflow="ellipsis")
    if text.spans:
        return list(text.render(console)), text.cell_len
    # Text.render leaves a span-less Text unstyled (a console applies Text.style elsewhere).
    return [Segment(text.plain, console.get_style(text.style, default=None))], text.cell_len
