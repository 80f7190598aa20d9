"""A campaign's columns, shared by the page's table and the CSV, so the download says what the page says."""

import csv
import io

from flask_babel import gettext as _

from portal.campaigns.results import Figures, Results
from portal.money import Money


def headings(results: Results) -> list[str]:
    return [
        _("Day"),
        _("Links issued"),
        _("Opened"),
        _("Identity checked"),
        _("Paid"),
        _("Plan agreed"),
        _("Promise made"),
        *(_("Collected (%(currency)s)", currency=currency) for currency in results.currencies),
    ]


def csv_text(results: Results) -> str:
    """One row a day, then the totals; days as ISO dates, money as decimals of its currency."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings(results))
    for day, figures in results.days:
        writer.writerow(_row(day.isoformat(), figures, results))
    writer.writerow(_row(_("Total"), results.total, results))
    return out.getvalue()


def _row(label: str, figures: Figures, results: Results) -> list:
    counts = [
        figures.issued,
        figures.opened,
        figures.identity_checked,
        figures.paid,
        figures.plans_agreed,
        figures.promises_made,
    ]
    money = [Money(figures.collected.get(currency, 0), currency).to_decimal() for currency in results.currencies]
    return [label, *counts, *money]


def filename(results: Results) -> str:
    """Letters, digits and dashes only: the name goes in a header, and campaign names are the creditor's."""
    name = "".join(char if char.isascii() and char.isalnum() else "-" for char in results.name)
    return f"{results.creditor.slug}-{name}-results.csv"
