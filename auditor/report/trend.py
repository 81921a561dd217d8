"""Findings by severity over the last runs, laid out as an inline SVG line chart (no script, no request)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auditor.findings import Severity

WIDTH, HEIGHT = 720, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 40, 16, 46
_SPREAD = 3.0
"""Pixels between series that share a count, so that none hides another (critical drawn highest)."""


@dataclass(frozen=True)
class TrendPoint:
    """One run's counts: unwaived findings per severity, and how many were new and resolved."""

    run_id: str
    started_at: datetime
    counts: dict[Severity, int]
    new: int
    resolved: int
    complete: bool


@dataclass(frozen=True)
class Dot:
    """A run's count on one series, where it is drawn."""

    x: float
    y: float
    count: int
    run_id: str


@dataclass(frozen=True)
class Series:
    """One severity across the runs: a polyline and its dots."""

    severity: Severity
    points: str
    """The polyline's `points` attribute."""
    dots: list[Dot]


@dataclass(frozen=True)
class Chart:
    """Everything the template draws: the series, the y ticks, the run labels on the x axis."""

    width: int
    height: int
    series: list[Series]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str, str]]
    """Where each run is, its day and its time (two lines, so twelve runs fit)."""
    plot: tuple[int, int, int, int]
    """Left, top, right, bottom of the plotting area."""


def trend_chart(points: list[TrendPoint]) -> Chart:
    """Lay the runs (oldest first) out left to right, counts bottom to top, one series per severity."""
    right, bottom = WIDTH - _RIGHT, HEIGHT - _BOTTOM
    top_value = _nice_ceiling(max((count for p in points for count in p.counts.values()), default=0))
    step = (right - _LEFT) / (len(points) - 1) if len(points) > 1 else 0.0

    def x(index: int) -> float:
        return round(_LEFT + index * step if len(points) > 1 else (_LEFT + right) / 2, 1)

    def y(count: int, shift: float = 0.0) -> float:
        return round(bottom - (bottom - _TOP) * count / top_value + shift, 1)

    series = []
    middle = (len(Severity) - 1) / 2
    for rank, severity in enumerate(Severity):
        shift = (rank - middle) * _SPREAD
        dots = []
        for i, point in enumerate(points):
            count = point.counts.get(severity, 0)
            dots.append(Dot(x(i), y(count, shift), count, point.run_id))
        series.append(Series(severity, " ".join(f"{d.x},{d.y}" for d in dots), dots))
    ticks = [(y(value), value) for value in range(0, top_value + 1, max(1, top_value // 4))]
    labels = [(x(i), f"{p.started_at:%Y-%m-%d}", f"{p.started_at:%H:%M}") for i, p in enumerate(points)]
    return Chart(WIDTH, HEIGHT, series, ticks, labels, (_LEFT, _TOP, right, bottom))


def _nice_ceiling(value: int) -> int:
    # A top for the axis that quarters into whole numbers: 4, 8, 20, 40, 100, 200, 400...
    for top in (4, 8, 20, 40):
        if value <= top:
            return top
    scale = 100
    while True:
        for top in (scale, 2 * scale, 4 * scale):
            if value <= top:
                return top
        scale *= 10
