"""What the metrics graph shows: its time window and its width.

The UI changes it (a key, a resize); the metrics collector, live or drill, reads it on every fetch, so
the next snapshot covers the chosen window with about one point per column.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOWS: tuple[int, ...] = (15 * 60, 60 * 60, 6 * 60 * 60)
"""The windows a responder can cycle through, in seconds: the incident, the hour, the shift."""
DEFAULT_POINTS = 300
"""Points per window when the graph's width is not known: a wide pane's worth, resampled to fit."""
MIN_POINTS = 10


@dataclass(slots=True)
class GraphView:
    window_seconds: int = WINDOWS[0]
    points: int = DEFAULT_POINTS

    def show(self, window_seconds: int, columns: int) -> bool:
        """Take the UI's choice; True when the window changed (a refetch is due, not just a redraw)."""
        changed = window_seconds != self.window_seconds
        self.window_seconds, self.points = window_seconds, max(columns, MIN_POINTS)
        return changed


def next_window(window_seconds: int) -> int:
    """The window after ``window_seconds`` in ``WINDOWS``, wrapping round (an unknown one starts over)."""
    if window_seconds not in WINDOWS:
        return WINDOWS[0]
    return WINDOWS[(WINDOWS.index(window_seconds) + 1) % len(WINDOWS)]


def window_label(window_seconds: int) -> str:
    """How the pane names a window: "15 min", "1 h", "6 h"."""
    if window_seconds % 3600 == 0:
        return f"{window_seconds // 3600} h"
    return f"{window_seconds // 60} min"
