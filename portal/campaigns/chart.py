"""A small bar chart of a campaign's days, drawn on the server as SVG: the page needs no chart library.

A pure function from the numbers to the shapes; the template writes them out with the table beside them.
"""

from dataclasses import dataclass

#: the figures charted, in the order of each day's bars
SERIES = ("opened", "identity_checked", "paid")
HEIGHT = 120
BAR = 8
#: space between one day's bars and the next day's
GAP = 6
#: room under the bars for the first and last day's labels
LABELS = 20
#: wide enough for the first and last day's labels however few days there are
MIN_WIDTH = 160


@dataclass(frozen=True)
class Bar:
    series: str
    value: int
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Day:
    label: str
    x: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    days: list[Day]
    #: where the bars stand (the labels go under it)
    baseline: int
    #: the biggest number charted (the top of the scale)
    top: int


def bar_chart(days: list[tuple[str, dict[str, int]]]) -> Chart:
    """A group of bars a day, from (label, {series: value}) oldest first; all on one scale, the tallest
    bar the full height. A value above nothing gets a sliver, so a day with one open still shows."""
    top = max((values[series] for _label, values in days for series in SERIES), default=0)
    step = BAR * len(SERIES) + GAP
    drawn = []
    for index, (label, values) in enumerate(days):
        x = index * step
        bars = []
        for position, series in enumerate(SERIES):
            value = values[series]
            height = max(value * HEIGHT // top, 1) if value else 0
            bars.append(Bar(series, value, x + position * BAR, HEIGHT - height, BAR, height))
        drawn.append(Day(label, x, bars))
    return Chart(
        width=max(len(days) * step - GAP, MIN_WIDTH), height=HEIGHT + LABELS, days=drawn, baseline=HEIGHT, top=top
    )
