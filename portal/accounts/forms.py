"""The statement's period: two GOV.UK date inputs in a form that GETs, so a statement's address can be kept and shared
with nobody but its owner (every statement URL is scoped)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import Form

from portal.accounts.documents import period_problem
from portal.date_input import PARTS, DateInputField


class PeriodForm(Form):
    """`from` and `to` (boxes from-day, from-month, ... or whole dates, from=2026-01-01, as the PDF link sends).
    A GET form changes nothing, so it has no CSRF token."""

    starts = DateInputField(_l("Start date"), name="from")
    ends = DateInputField(_l("End date"), name="to")

    def period(self, *, today: date, default_first: date) -> tuple[date, date] | None:
        """The first and last days asked for, or None with a message beside the date to change.

        Either date may be left out: from the account's first day (`default_first`), to today."""
        first, last = self.starts.read(), self.ends.read()
        if self.starts.errors or self.ends.errors:
            return None
        first, last = first or default_first, last or today
        problem = period_problem(first, last, today)
        if problem is not None:
            field = self.starts if problem.date == "from" else self.ends
            field.errors, field.error_parts = [problem.message], PARTS
            return None
        self.starts.show(first)
        self.ends.show(last)
        return first, last

    @property
    def summary(self) -> list[tuple[str, str]]:
        """The error summary's links: the first box each message is about."""
        return [(field.summary_id, str(field.errors[0])) for field in (self.starts, self.ends) if field.errors]


#: the query string's names for the period, to send the same period on to another page
PERIOD_ARGS = frozenset({"from", "to"} | {f"{name}-{part}" for name in ("from", "to") for part in PARTS})


def period_args(args) -> dict[str, str]:
    return {name: value for name, value in args.items() if name in PERIOD_ARGS}
