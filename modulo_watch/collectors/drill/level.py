"""A value that moves from target to target over time: the error ratio, a backend count."""

from __future__ import annotations

import bisect


class Level:
    """Starts at ``initial``; each ``ramp_to`` moves it from wherever it is then to a new target.

    ``smooth`` eases in and out (a rate metric does not turn corners); otherwise the ramp is linear.
    Ramps must be added in time order.
    """

    def __init__(self, initial: float, smooth: bool = False) -> None:
        self._initial = initial
        self._smooth = smooth
        self._starts: list[float] = []
        self._ramps: list[tuple[float, float, float, float]] = []

    def ramp_to(self, at: float, over: float, target: float) -> None:
        self._ramps.append((at, at + over, self.at(at), target))
        self._starts.append(at)

    def at(self, time: float) -> float:
        index = bisect.bisect_right(self._starts, time) - 1
        if index < 0:
            return self._initial
        begin, end, first, last = self._ramps[index]
        if time >= end:
            return last
        progress = (time - begin) / (end - begin)
        if self._smooth:
            progress = progress * progress * (3 - 2 * progress)
        return first + (last - first) * progress

    def peak(self) -> float:
        return max([self._initial, *(ramp[3] for ramp in self._ramps)])
