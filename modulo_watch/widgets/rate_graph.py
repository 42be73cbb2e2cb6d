"""The rate graph: an area chart of a series, with thresholds (the error ratio's paging lines) drawn across
and optionally a second series drawn over it as a line of dots (latency p99 over p95).

Layout (top to bottom): the current value with its trend and the peak; the plot, with y labels
on the left and dashed, labelled threshold lines; the time axis ("-15m" ... "now"). Rows and the
y labels are dropped first when the widget is small, the value line last. Values are written by the
series' unit (``graph_units``). Given a window, the x axis spans it whatever the data covers.
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
from modulo_watch.widgets.graph_units import GraphUnit, graph_unit
from modulo_watch.widgets.safe_text import clean

__all__ = ["DEFAULT_THRESHOLDS", "GraphStyles", "RateGraph", "render_rate_graph"]

Thresholds = Sequence[tuple[float, str]]
DEFAULT_THRESHOLDS: tuple[tuple[float, str], ...] = ((0.05, "P2"), (0.10, "P1"))

_Severity = Callable[[float], Style]  # value -> the style of its threshold band

_BLOCKS = " ▁▂▃▄▅▆▇█"
_DASH = "╌"
_DOT = "•"
_HEADROOM = 1.2  # the y axis reaches 20% above the peak and the highest threshold
_TREND_WINDOW = 60.0  # seconds looked back for the trend arrow


class GraphStyles(NamedTuple):
    """Rich styles for the graph's parts; the widget fills them from its component classes."""

    ok: Style = Style(color="green")
    warning: Style = Style(color="yellow")
    error: Style = Style(color="red")
    axis: Style = Style(dim=True)
    overlay: Style = Style(color="magenta")


class _Span(NamedTuple):
    """The x axis: it ends at ``end`` (the newest point) and reaches ``seconds`` back."""

    end: float  # a POSIX timestamp
    seconds: float


def _span(series: Series | None, window: float | None) -> _Span | None:
    """The window back from the newest point; without a window, the span of the data."""
    if series is None or not series.points:
        return None
    end = series.points[-1][0].timestamp()
    return _Span(end, window if window is not None else end - series.points[0][0].timestamp())


def _finite_points(series: Series | None, span: _Span) -> list[tuple[float, float]]:
    """(seconds since the span's start, value) inside the span, NaN/inf dropped: bad data is not a crash."""
    if series is None:
        return []
    start = span.end - span.seconds
    points = ((moment.timestamp() - start, value) for moment, value in series.points)
    return [(x, max(y, 0.0)) for x, y in points if 0 <= x <= span.seconds and math.isfinite(y)]


def _resample(points: list[tuple[float, float]], columns: int, span: float) -> list[float | None]:
    """One value per column: the bucket's maximum (spikes stay visible), else interpolated; None
    before the first point (the window reaches further back than the data)."""
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    if span <= 0:
        return [ys[-1]] * columns
    values: list[float | None] = []
    for column in range(columns):
        start = span * column / columns
        end = span * (column + 1) / columns
        low = bisect_left(xs, start)
        high = len(xs) if column == columns - 1 else bisect_left(xs, end)
        if high > low:
            values.append(max(ys[low:high]))
            continue
        if end <= xs[0]:
            values.append(None)
            continue
        middle = (start + end) / 2
        right = min(bisect_left(xs, middle), len(xs) - 1)
        left = max(right - 1, 0)
        ratio = 0.0 if xs[right] == xs[left] else (middle - xs[left]) / (xs[right] - xs[left])
        values.append(ys[left] + (ys[right] - ys[left]) * ratio)
    return values


def _trend(points: list[tuple[float, float]], unit: GraphUnit) -> str:
    last_x, last_y = points[-1]
    # The newest point at least a window older than the last one (or the first point).
    index = max(bisect_right([x for x, _ in points], last_x - _TREND_WINDOW) - 1, 0)
    reference = points[index][1]
    # Ignore wobble: 10% of the value, or a tenth of the unit's smallest scale (0.1 points of a ratio).
    deadband = max(unit.min_top / 10, 0.1 * reference)
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
    *,
    overlay: Series | None = None,
    window: float | None = None,
) -> Text:
    """Draw ``series`` (oldest first) into a ``width`` x ``height`` text block; ``overlay`` (same unit)
    as dots over it; the x axis spans ``window`` seconds back from the newest point (default: the data)."""
    width, height = max(width, 1), max(height, 1)
    canvas = _Canvas(width, height)
    span = _span(series, window)
    points = [] if span is None else _finite_points(series, span)
    if series is None or span is None or not points:
        message = "no data"
        canvas.put(max((width - len(message)) // 2, 0), height // 2, message, styles.axis)
        return canvas.to_text()
    unit = graph_unit(series.unit)
    extra = _finite_points(overlay, span)
    levels = sorted(thresholds)

    def severity(value: float) -> Style:
        passed = sum(1 for limit, _ in levels if value >= limit)
        if passed == 0:
            return styles.ok
        return styles.error if passed == len(levels) else styles.warning

    peak = max(y for _, y in points + extra)
    highest = max((t for t, _ in levels), default=0.0)
    top = min(max(peak * _HEADROOM, highest * _HEADROOM, unit.min_top), unit.ceiling)
    second = (extra, overlay) if extra and overlay is not None else None
    _draw_value_line(canvas, (points, series), second, levels, unit, severity, styles)
    has_axis = height >= 4
    plot_top, plot_height = 1, height - 1 - int(has_axis)
    if plot_height < 1:
        return canvas.to_text()
    top_label = unit.axis(top)
    gutter = len(top_label) + 1 if width >= 24 else 0
    plot = _Plot(gutter, plot_top, plot_height, top)
    if gutter:
        canvas.put(0, plot_top, top_label.rjust(gutter - 1), styles.axis)
        if plot_height > 1:
            canvas.put(0, plot_top + plot_height - 1, unit.axis(0).rjust(gutter - 1), styles.axis)
    columns = width - gutter
    _draw_area(canvas, _resample(points, columns, span.seconds), plot, severity)
    if extra:
        _draw_dots(canvas, _resample(extra, columns, span.seconds), plot, styles.overlay)
    _draw_thresholds(canvas, levels, plot, unit, severity)
    if has_axis:
        _draw_time_axis(canvas, span.seconds, gutter, height - 1, styles.axis)
    return canvas.to_text()


class _Plot(NamedTuple):
    """Where the plot is on the canvas, and the value at its top row."""

    left: int
    top_row: int
    height: int
    top: float

    def rows_up(self, value: float) -> float:
        """How high ``value`` reaches, in rows counted from the bottom."""
        return min(value / self.top, 1.0) * self.height

    def row(self, value: float) -> int:
        """The canvas row a value (a threshold, a dot) is drawn on."""
        return self.top_row + self.height - 1 - min(int(self.rows_up(value)), self.height - 1)


_Line = tuple[list[tuple[float, float]], Series]  # its points, and its series (for the name)


def _draw_value_line(
    canvas: _Canvas,
    main: _Line,
    second: _Line | None,
    levels: Thresholds,
    unit: GraphUnit,
    severity: _Severity,
    styles: GraphStyles,
) -> None:
    """The latest value, its trend and the threshold it passed ("13.0% ↑ P1"); with a second line, both,
    named ("p95 180ms ↑  p99 420ms"). The peak (the second line's) at the right when it fits."""
    points, series = main
    latest = points[-1][1]
    over = [name for limit, name in levels if latest >= limit]
    reading = f"{unit.reading(latest)} {_trend(points, unit)}" + (f" {over[-1]}" if over else "")
    peak_points, peak_name, other = points, "", ""
    if second is not None:
        reading = f"{_name(series)} {reading}"
        peak_points, second_series = second
        peak_name = f"{_name(second_series)} "
        other = f"  {peak_name}{unit.reading(peak_points[-1][1])}"
    canvas.put(0, 0, reading, severity(latest) + Style(bold=True))
    canvas.put(len(reading), 0, other, styles.overlay + Style(bold=True))
    peak = f"{peak_name}peak {unit.reading(max(y for _, y in peak_points))}"
    if len(reading) + len(other) + 2 + len(peak) <= canvas.width:
        canvas.put(canvas.width - len(peak), 0, peak, styles.axis)


def _name(series: Series) -> str:
    return clean(series.name, max_length=12)  # a drill scenario names its series: outside text


def _draw_area(canvas: _Canvas, columns: list[float | None], plot: _Plot, severity: _Severity) -> None:
    for column, value in enumerate(columns):
        if value is None:
            continue
        level = plot.rows_up(value)
        style = severity(value)
        for row_from_bottom in range(plot.height):
            eighths = round(min(max(level - row_from_bottom, 0.0), 1.0) * 8)
            if row_from_bottom == 0 and value > 0:
                eighths = max(eighths, 1)  # any error at all shows as a sliver
            if eighths:
                y = plot.top_row + plot.height - 1 - row_from_bottom
                canvas.put(plot.left + column, y, _BLOCKS[eighths], style)


def _draw_dots(canvas: _Canvas, columns: list[float | None], plot: _Plot, style: Style) -> None:
    for column, value in enumerate(columns):
        if value is not None:
            canvas.put(plot.left + column, plot.row(value), _DOT, style)


def _draw_thresholds(
    canvas: _Canvas, levels: Thresholds, plot: _Plot, unit: GraphUnit, severity: _Severity
) -> None:
    labels: dict[int, list[str]] = {}
    line_styles: dict[int, Style] = {}
    for limit, name in levels:
        y = plot.row(limit)
        labels.setdefault(y, []).append(f"{name} {unit.axis(limit)}")
        line_styles[y] = severity(limit)  # levels ascend, so the most severe wins a shared row
    for y, names in labels.items():
        for x in range(plot.left, canvas.width):
            if canvas.chars[y][x] == " ":
                canvas.put(x, y, _DASH, line_styles[y])
        canvas.put(plot.left + 1, y, f" {' · '.join(names)} ", line_styles[y] + Style(bold=True))


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
    """A rate graph. Give it data with :meth:`apply`; it repaints on apply and resize."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rate-graph--ok",
        "rate-graph--warning",
        "rate-graph--error",
        "rate-graph--axis",
        "rate-graph--overlay",
    }

    DEFAULT_CSS = """
    RateGraph {
        height: 1fr;
        min-height: 3;
        & > .rate-graph--ok { color: $success; }
        & > .rate-graph--warning { color: $warning; }
        & > .rate-graph--error { color: $error; }
        & > .rate-graph--axis { color: $text-muted; }
        & > .rate-graph--overlay { color: $accent; }
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
        self._overlay: Series | None = None
        self._window: float | None = None

    @property
    def series(self) -> Series | None:
        return self._series

    def apply(
        self, series: Series | None, *, overlay: Series | None = None, window: float | None = None
    ) -> None:
        """Show ``series`` (None shows "no data"), ``overlay`` as dots over it, across ``window`` seconds."""
        if series is not self._series or overlay is not self._overlay or window != self._window:
            self._series, self._overlay, self._window = series, overlay, window
            self.refresh()

    def render(self) -> Text:
        # Full (not partial) styles: "auto" colours such as $text-muted need the background.
        styles = GraphStyles(
            *(
                self.get_component_rich_style(f"rate-graph--{part}")
                for part in ("ok", "warning", "error", "axis", "overlay")
            )
        )
        width, height = self.size
        return render_rate_graph(
            self._series, width, height, self._thresholds, styles, overlay=self._overlay, window=self._window
        )
