"""The error-rate graph: an area chart of a ratio series with the paging thresholds drawn across.

Layout (top to bottom): the current value with its trend and the peak; the plot, with y labels
on the left and dashed, labelled threshold lines; the time axis ("-15m" ... "now"). Rows and the
y labels are dropped first when the widget is small, the value line last.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from modulo_watch.collectors.models import Series
from modulo_watch.widgets.badges import format_age

__all__ = ["DEFAULT_THRESHOLDS", "GraphStyles", "RateGraph", "render_rate_graph"]

Thresholds = Sequence[tuple[float, str]]
DEFAULT_THRESHOLDS: tuple[tuple[float, str], ...] = ((0.05, "P2"), (0.10, "P1"))

_Severity = Callable[[float], Style]  # value -> the style of its threshold band

_BLOCKS = " ▁▂▃▄▅▆▇█"
_DASH = "╌"
_HEADROOM = 1.2  # the y axis reaches 20% above the peak and the highest threshold
_TREND_WINDOW = 60.0  # seconds looked back for the trend arrow


class GraphStyles(NamedTuple):
    """Rich styles for the graph's parts; the widget fills them from its component classes."""

    ok: Style = Style(color="green")
    warning: Style = Style(color="yellow")
    error: Style = Style(color="red")
    axis: Style = Style(dim=True)


def _percent(ratio: float, decimals: int = 1) -> str:
    """Axis and threshold labels: trailing zeros dropped, so they read "P2 5%", "12%", "0.5%"."""
    digits = f"{ratio * 100:.{decimals}f}"
    return (digits.rstrip("0").rstrip(".") if "." in digits else digits) + "%"


def _reading(ratio: float) -> str:
    """Measured values keep their decimal ("2.0%", "12.4%") so the width does not jump around."""
    return f"{ratio * 100:.1f}%"


def _finite_points(series: Series | None) -> list[tuple[float, float]]:
    """(seconds since the first point, ratio) with NaN/inf dropped: bad data is not a crash."""
    if series is None or not series.points:
        return []
    start = series.points[0][0]
    return [
        ((moment - start).total_seconds(), max(value, 0.0))
        for moment, value in series.points
        if math.isfinite(value)
    ]


def _resample(points: list[tuple[float, float]], columns: int) -> list[float]:
    """One value per column: the bucket's maximum (spikes stay visible), else interpolated."""
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    first, span = xs[0], xs[-1] - xs[0]
    if span <= 0 or len(points) == 1:
        return [ys[-1]] * columns
    values: list[float] = []
    for column in range(columns):
        start = first + span * column / columns
        end = first + span * (column + 1) / columns
        low = bisect_left(xs, start)
        high = len(xs) if column == columns - 1 else bisect_left(xs, end)
        if high > low:
            values.append(max(ys[low:high]))
            continue
        middle = (start + end) / 2
        right = min(bisect_left(xs, middle), len(xs) - 1)
        left = max(right - 1, 0)
        ratio = 0.0 if xs[right] == xs[left] else (middle - xs[left]) / (xs[right] - xs[left])
        values.append(ys[left] + (ys[right] - ys[left]) * ratio)
    return values


def _trend(points: list[tuple[float, float]]) -> str:
    last_x, last_y = points[-1]
    # The newest point at least a window older than the last one (or the first point).
    index = max(bisect_right([x for x, _ in points], last_x - _TREND_WINDOW) - 1, 0)
    reference = points[index][1]
    deadband = max(0.001, 0.1 * reference)  # ignore wobble: 0.1 points or 10% of the value
    if last_y - reference > deadband:
        return "↑"
    if reference - last_y > deadband:
        return "↓"
    return "→"


class _Canvas:
    """Character cells with styles, turned into a ``Text`` with one span per run of a style."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.chars = [[" "] * width for _ in range(height)]
        self.styles: list[list[Style | None]] = [[None] * width for _ in range(height)]

    def put(self, x: int, y: int, text: str, style: Style | None) -> None:
        for offset, character in enumerate(text):
            if 0 <= x + offset < self.width:
                self.chars[y][x + offset] = character
                self.styles[y][x + offset] = style

    def to_text(self) -> Text:
        lines: list[Text] = []
        for chars, styles in zip(self.chars, self.styles, strict=True):
            line = Text(no_wrap=True, overflow="crop", end="")
            run_start = 0
            for index in range(1, self.width + 1):
                if index == self.width or styles[index] != styles[run_start]:
                    line.append("".join(chars[run_start:index]), styles[run_start])
                    run_start = index
            lines.append(line)
        return Text("\n", no_wrap=True, overflow="crop", end="").join(lines)


def render_rate_graph(
    series: Series | None,
    width: int,
    height: int,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    styles: GraphStyles = GraphStyles(),  # noqa: B008 - an immutable NamedTuple
) -> Text:
    """Draw ``series`` (ratios 0..1, oldest first) into a ``width`` x ``height`` text block."""
    width, height = max(width, 1), max(height, 1)
    canvas = _Canvas(width, height)
    points = _finite_points(series)
    if not points:
        message = "no data"
        canvas.put(max((width - len(message)) // 2, 0), height // 2, message, styles.axis)
        return canvas.to_text()
    levels = sorted(thresholds)

    def severity(value: float) -> Style:
        passed = sum(1 for limit, _ in levels if value >= limit)
        if passed == 0:
            return styles.ok
        return styles.error if passed == len(levels) else styles.warning

    values = [y for _, y in points]
    top = min(max(max(values) * _HEADROOM, max((t for t, _ in levels), default=0.0) * _HEADROOM, 0.01), 1.0)
    _draw_value_line(canvas, points, levels, severity, styles)
    has_axis = height >= 4
    plot_top, plot_height = 1, height - 1 - int(has_axis)
    if plot_height < 1:
        return canvas.to_text()
    top_label = _percent(top, 0)
    gutter = len(top_label) + 1 if width >= 24 else 0
    plot_width = width - gutter
    if gutter:
        canvas.put(0, plot_top, top_label.rjust(gutter - 1), styles.axis)
        if plot_height > 1:
            canvas.put(0, plot_top + plot_height - 1, "0%".rjust(gutter - 1), styles.axis)
    columns = _resample(points, plot_width)
    _draw_area(canvas, columns, top, gutter, plot_top, plot_height, severity)
    _draw_thresholds(canvas, levels, top, gutter, plot_top, plot_height, severity)
    if has_axis:
        _draw_time_axis(canvas, points[-1][0] - points[0][0], gutter, height - 1, styles.axis)
    return canvas.to_text()


def _draw_value_line(
    canvas: _Canvas,
    points: list[tuple[float, float]],
    levels: Thresholds,
    severity: _Severity,
    styles: GraphStyles,
) -> None:
    latest = points[-1][1]
    style = severity(latest) + Style(bold=True)
    over = [name for limit, name in levels if latest >= limit]
    value = f"{_reading(latest)} {_trend(points)}" + (f" {over[-1]}" if over else "")
    canvas.put(0, 0, value, style)
    peak = f"peak {_reading(max(y for _, y in points))}"
    if len(value) + 2 + len(peak) <= canvas.width:
        canvas.put(canvas.width - len(peak), 0, peak, styles.axis)


def _draw_area(
    canvas: _Canvas,
    columns: list[float],
    top: float,
    left: int,
    plot_top: int,
    plot_height: int,
    severity: _Severity,
) -> None:
    for column, value in enumerate(columns):
        level = min(value / top, 1.0) * plot_height  # in rows, counted from the bottom
        style = severity(value)
        for row_from_bottom in range(plot_height):
            eighths = round(min(max(level - row_from_bottom, 0.0), 1.0) * 8)
            if row_from_bottom == 0 and value > 0:
                eighths = max(eighths, 1)  # any error at all shows as a sliver
            if eighths:
                y = plot_top + plot_height - 1 - row_from_bottom
                canvas.put(left + column, y, _BLOCKS[eighths], style)


def _draw_thresholds(
    canvas: _Canvas,
    levels: Thresholds,
    top: float,
    left: int,
    plot_top: int,
    plot_height: int,
    severity: _Severity,
) -> None:
    labels: dict[int, list[str]] = {}
    line_styles: dict[int, Style] = {}
    for limit, name in levels:
        row_from_bottom = min(int(limit / top * plot_height), plot_height - 1)
        y = plot_top + plot_height - 1 - row_from_bottom
        labels.setdefault(y, []).append(f"{name} {_percent(limit)}")
        line_styles[y] = severity(limit)  # levels ascend, so the most severe wins a shared row
    for y, names in labels.items():
        for x in range(left, canvas.width):
            if canvas.chars[y][x] == " ":
                canvas.put(x, y, _DASH, line_styles[y])
        canvas.put(left + 1, y, f" {' · '.join(names)} ", line_styles[y] + Style(bold=True))


def _draw_time_axis(canvas: _Canvas, span: float, left: int, y: int, style: Style) -> None:
    plot_width = canvas.width - left
    canvas.put(canvas.width - 3, y, "now", style)
    if span <= 0:
        return
    start = f"-{format_age(span)}"
    if len(start) + 4 <= plot_width:
        canvas.put(left, y, start, style)
    middle = f"-{format_age(span / 2)}"
    if plot_width >= 40:
        canvas.put(left + (plot_width - len(middle)) // 2, y, middle, style)


class RateGraph(Widget):
    """The error-rate graph. Give it data with :meth:`apply`; it repaints on apply and resize."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rate-graph--ok",
        "rate-graph--warning",
        "rate-graph--error",
        "rate-graph--axis",
    }

    DEFAULT_CSS = """
    RateGraph {
        height: 1fr;
        min-height: 3;
        & > .rate-graph--ok { color: $success; }
        & > .rate-graph--warning { color: $warning; }
        & > .rate-graph--error { color: $error; }
        & > .rate-graph--axis { color: $text-muted; }
    }
    """

    def __init__(
        self,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._thresholds = tuple(thresholds)
        self._series: Series | None = None

    @property
    def series(self) -> Series | None:
        return self._series

    def apply(self, series: Series | None) -> None:
        """Show ``series`` (None shows "no data")."""
        if series is not self._series:
            self._series = series
            self.refresh()

    def render(self) -> Text:
        # Full (not partial) styles: "auto" colours such as $text-muted need the background.
        styles = GraphStyles(
            *(
                self.get_component_rich_style(f"rate-graph--{part}")
                for part in ("ok", "warning", "error", "axis")
            )
        )
        width, height = self.size
        return render_rate_graph(self._series, width, height, self._thresholds, styles)
