"""Geometry of the console's bar charts, drawn server-side as inline SVG (installs have no
internet, so no charting library from a CDN). Templates draw the rectangles computed here."""

from dataclasses import dataclass


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str


@dataclass
class BarChart:
    width: int
    height: int
    bars: list
    peak: int
    total: int
    start: object = None


def bar_chart(stats, *, width, height, label_format="%Y-%m-%d %H:%M", gap=1):
    """[{"start", "count"}, ...] (issues.selectors stats) → bars scaled to the peak."""
    series = [(bar["start"], bar["count"]) for bar in stats]
    peak = max((count for _, count in series), default=0)
    slot = width / max(len(series), 1)
    bars = []
    for index, (start, count) in enumerate(series):
        # A bar of one event is still visible next to a peak of thousands.
        bar_height = 0 if not peak else max(1.0, height * count / peak) if count else 0
        bars.append(
            Bar(
                x=round(index * slot, 2),
                y=round(height - bar_height, 2),
                width=round(max(slot - gap, 1), 2),
                height=round(bar_height, 2),
                count=count,
                label=f"{start.strftime(label_format)}: {count}",
            )
        )
    return BarChart(
        width=width,
        height=height,
        bars=bars,
        peak=peak,
        total=sum(count for _, count in series),
        start=series[0][0] if series else None,
    )
