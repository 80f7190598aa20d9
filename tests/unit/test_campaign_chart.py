"""The campaign chart's shapes, and the SQLite stand-in for PostgreSQL's time zones."""

from portal.campaigns.chart import BAR, GAP, HEIGHT, MIN_WIDTH, SERIES, bar_chart
from portal.campaigns.results import _sqlite_local_day


def day(opened: int, identity_checked: int, paid: int) -> dict[str, int]:
    return {"opened": opened, "identity_checked": identity_checked, "paid": paid}


def test_the_biggest_figure_is_the_full_height_and_the_rest_are_to_scale():
    chart = bar_chart([("Nov 2", day(40, 10, 0)), ("Nov 3", day(20, 30, 5))])
    heights = [[bar.height for bar in drawn.bars] for drawn in chart.days]
    assert chart.top == 40
    assert heights == [[HEIGHT, HEIGHT // 4, 0], [HEIGHT // 2, HEIGHT * 3 // 4, HEIGHT // 8]]
    assert all(bar.y + bar.height == chart.baseline for drawn in chart.days for bar in drawn.bars)


def test_each_day_has_its_bars_side_by_side_in_the_same_order():
    chart = bar_chart([("Nov 2", day(1, 1, 1)), ("Nov 3", day(1, 1, 1))])
    assert [bar.series for bar in chart.days[1].bars] == list(SERIES)
    assert [bar.x for bar in chart.days[1].bars] == [chart.days[1].x + BAR * n for n in range(3)]
    assert chart.days[1].x == 3 * BAR + GAP


def test_one_among_thousands_still_shows():
    chart = bar_chart([("Nov 2", day(5_000, 1, 0))])
    assert [bar.height for bar in chart.days[0].bars] == [HEIGHT, 1, 0]


def test_a_short_campaign_still_has_room_for_its_labels_and_a_long_one_grows():
    assert bar_chart([("Nov 2", day(1, 0, 0))]).width == MIN_WIDTH
    assert bar_chart([(str(n), day(1, 0, 0)) for n in range(60)]).width == 60 * (3 * BAR + GAP) - GAP


def test_nothing_to_chart_is_an_empty_chart():
    assert bar_chart([]).days == [] and bar_chart([]).top == 0


def test_sqlite_days_follow_the_time_zones_rules_across_a_clock_change():
    # New York: UTC-4 until 1 November 2026, then UTC-5
    assert _sqlite_local_day("2026-10-31 03:30:00.000000", "America/New_York") == "2026-10-30"
    assert _sqlite_local_day("2026-11-02 04:30:00", "America/New_York") == "2026-11-01"
    assert _sqlite_local_day("2026-11-02 05:30:00", "America/New_York") == "2026-11-02"
    assert _sqlite_local_day(None, "Europe/London") is None
