"""What the plan pages share: the formatter for the debtor's language, schedule rows, the interest note,
and what every page about one plan shows."""

from flask_login import current_user

from portal import clock
from portal.accounts.ledger import balance_of
from portal.i18n import formatting_locale
from portal.plans.service.progress import progress
from portal.plans.words import Formatter, interest_on_plan


def formatter() -> Formatter:
    return Formatter(formatting_locale(current_user.creditor.locale))


def schedule_rows(total: int, schedule) -> list[dict]:
    """The schedule table: each payment (engine instalments or stored ones) with what is left to pay after it.

    Counted down from the plan's total, so any interest the payments include is in it.
    """
    rows, left = [], total
    for item in schedule:
        left = max(left - item.amount, 0)
        due = getattr(item, "due", None) or item.due_date
        rows.append({"number": item.number, "due": due, "amount": item.amount, "left": left, "item": item})
    return rows


def interest_note(frozen: bool, monthly_interest: int, currency: str) -> str | None:
    """Whether interest stops during the plan, so no page promises a balance falling to nothing while it grows."""
    return interest_on_plan(frozen, formatter().money(monthly_interest, currency) if monthly_interest > 0 else None)


def plan_context(plan, **extra) -> dict:
    return {
        "plan": plan,
        "account": plan.account,
        "creditor": current_user.creditor,
        "progress": progress(plan),
        "balance": balance_of(plan.account),
        "today": clock.today_for(current_user),
        **extra,
    }
