"""Template filters: money and dates in the reader's language."""

from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from flask import Flask, current_app, g, url_for
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from portal.i18n import babel_locale, formatting_locale
from portal.money import format_money
from portal.payments.cards import card_of


def money(minor: int, currency: str) -> str:
    """Each amount formatted once a request: a plan's options page shows 62 amounts, 30 of them different (an
    instalment repeats down its schedule), and Babel's format_currency is among the dearest things a template does."""
    locale = _locale()
    formatted = g.setdefault("formatted_money", {})
    key = (minor, currency, locale)
    if key not in formatted:
        formatted[key] = format_money(minor, currency, locale)
    return formatted[key]


def _locale() -> Locale:
    """The reader's language in the creditor's region (portal.i18n.formatting_locale), worked out once while the
    language and the reader last: working it out took more than half of what formatting an amount cost, and a
    plan's options page formats about ninety amounts and dates. Staff read in their creditors' region when they
    all share one ("4 December 2026" at a UK agency)."""
    language, reader = get_locale(), current_user._get_current_object()
    found = g.get("formatting_locale")
    if found is None or found[0] is not language or found[1] is not reader:
        found = g.formatting_locale = (language, reader, babel_locale(formatting_locale(_region_of(reader))))
    return found[2]


def _region_of(reader) -> str | None:
    """The creditor locale whose region numbers and dates follow: the debtor's creditor's, or the one all of a
    staff user's creditors share."""
    if reader.is_authenticated:
        return reader.creditor.locale
    staff = g.get("staff")
    regions = {creditor.locale for creditor in staff.creditors} if staff is not None else set()
    return regions.pop() if len(regions) == 1 else None


def long_date(value: date | datetime) -> str:
    """ "22 November 2026" in the UK, "November 22, 2026" in the US, "22 de noviembre de 2026" in Spanish."""
    locale = _locale()
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(get_timezone()), "long", locale=locale)
    return format_date(value, "long", locale=locale)


def static_url(filename: str) -> str:
    """A static URL that changes when the file does, so browsers may cache it for a year.

    The version is the file's modification time. Static files change only with a deploy, which starts new
    processes, so it is read once a file a process; in development, where they are edited while the portal
    runs, every time.
    """
    path = Path(current_app.static_folder) / filename
    version = _version(path) if current_app.config["PORTAL_ENV"] == "development" else _version_once(path)
    return url_for("static", filename=filename, v=version)


def _version(path: Path) -> int:
    try:
        return int(path.stat().st_mtime)
    except FileNotFoundError:
        return 0


@cache
def _version_once(path: Path) -> int:
    return _version(path)


DEFAULT_ACCENT = "#1d4f91"


def _relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def accent_colour(hex_colour: str | None) -> str:
    """The creditor's colour if white text on it passes WCAG AA (4.5:1), else our own."""
    if not hex_colour or len(hex_colour) != 7 or not hex_colour.startswith("#"):
        return DEFAULT_ACCENT
    try:
        ratio = 1.05 / (_relative_luminance(hex_colour) + 0.05)
    except ValueError:
        return DEFAULT_ACCENT
    return hex_colour if ratio >= 4.5 else DEFAULT_ACCENT


def date_parts_order(region: str | None = None) -> tuple[str, ...]:
    """The order a date's day, month and year are written in the reader's region ("day", "month", "year" in
    the UK and Spain; month first in the US), read from the region's short date pattern. `region`: a creditor
    locale, for a page whose reader is not signed in yet (the identity question)."""
    locale = babel_locale(formatting_locale(region)) if region else _locale()
    pattern = locale.date_formats["short"].pattern
    found = {part: pattern.find(letter) for part, letter in (("day", "d"), ("month", "M"), ("year", "y"))}
    if min(found.values()) < 0:
        return ("day", "month", "year")
    return tuple(sorted(found, key=found.get))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["date_parts_order"] = date_parts_order
    app.jinja_env.filters["accent"] = accent_colour
    #: "Visa ending 4242" for a payment or a plan: `{{ plan|card }}`
    app.jinja_env.filters["card"] = card_of
