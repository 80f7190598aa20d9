"""The .ics file (RFC 5545): what calendar apps need to import every payment date."""

from datetime import UTC, date, datetime

from portal.plans.calendar import Event, calendar
from portal.plans.chart import balance_chart


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_each_payment_is_an_all_day_event_with_a_reminder():
    body = calendar(
        "Plan PL-1",
        [Event(date(2027, 1, 31), "PL-1-1@portal", "Payment of £50.00")],
        datetime(2026, 11, 23, tzinfo=UTC),
    )
    lines = _unfold(body)
    assert "DTSTART;VALUE=DATE:20270131" in lines and "DTEND;VALUE=DATE:20270201" in lines
    assert "UID:PL-1-1@portal" in lines and "DTSTAMP:20261123T000000Z" in lines
    assert "TRIGGER:-PT15H" in lines
    assert body.endswith("END:VCALENDAR\r\n")


def test_long_lines_are_folded_without_breaking_a_character_and_text_is_escaped():
    summary = "Pago de 50,00 € a Harbour Credit; cuota número 12 de 24, señora Núñez, " * 3
    body = calendar("Plan", [Event(date(2027, 1, 31), "x@portal", summary)])
    for line in body.split("\r\n"):
        assert len(line.encode()) <= 75
        line.encode().decode()  # every physical line is whole UTF-8
    assert body.count("\r\n ") >= 3, "the long summary was folded onto continuation lines"
    unfolded = _unfold(body)
    assert "SUMMARY:" + summary.replace(",", "\\,").replace(";", "\\;") in unfolded


def test_the_chart_falls_from_the_balance_to_nothing():
    chart = balance_chart(600, [200, 200, 200])
    assert chart.line == "0,0 106.7,40 213.3,80 320,120"
    assert chart.area.startswith("0,120 0,0") and chart.area.endswith("320,120")
