"""The plan agreement in plain words: what, when, what happens if a payment is missed, how to change or cancel.

The wording has a version; the text a debtor agreed to is stored word for word with it, in their
language. Change the wording → change VERSION.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.models import Account, Creditor, Plan
from portal.plans.policy import PlanPolicy
from portal.plans.words import Formatter, amount_per, how_often, settlement_on_credit_file

VERSION = "2026-5"  # 2026-5: a plan paid by the debtor each time says so


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


def sections(plan: Plan, account: Account, creditor: Creditor, fmt: Formatter) -> list[Section]:
    """The agreement for a plan, in the current language.

    Whether interest and charges stop comes from the plan's terms, fixed when it was made: a frozen
    plan records the creditor's promise not to add them; otherwise the payments include them.
    """
    money = lambda minor: fmt.money(minor, plan.currency)  # noqa: E731
    instalments = plan.instalments
    first = instalments[0]
    what = _(
        "%(description)s, account %(reference)s, owed to %(creditor)s",
        description=account.description,
        reference=account.reference,
        creditor=creditor.name,
    )
    if plan.kind == "settlement" and len(instalments) > 1:
        agree = _payments(plan, instalments, what, fmt, money)
        agree += (
            _(
                "When the last payment is made, %(creditor)s agrees to accept this in full payment of the "
                "%(balance)s you owe. You save %(saving)s.",
                creditor=creditor.name,
                balance=money(plan.balance_at_start),
                saving=money(plan.saving),
            ),
            lost_discount_warning(),
        )
        if PlanPolicy.from_dict(creditor.policy).reports_to_credit_files:
            agree += (settlement_on_credit_file(creditor.jurisdiction),)
    elif plan.kind == "settlement":
        agree = (
            _(
                "You agree to pay %(total)s on %(date)s for %(what)s.",
                total=money(plan.total),
                date=fmt.date(first.due_date),
                what=what,
            ),
            _(
                "%(creditor)s agrees to accept this in full payment of the %(balance)s you owe. You save %(saving)s.",
                creditor=creditor.name,
                balance=money(plan.balance_at_start),
                saving=money(plan.saving),
            ),
        )
        if PlanPolicy.from_dict(creditor.policy).reports_to_credit_files:
            agree += (settlement_on_credit_file(creditor.jurisdiction),)
    else:
        agree = _payments(plan, instalments, what, fmt, money)
        agree += _interest(plan.terms, creditor, money)
    terms = plan.terms
    retries, days = terms.get("retry_attempts", 2), terms.get("retry_after_days", 3)
    missed = terms.get("missed_payments_to_break", 2)
    ends = ngettext(
        "If %(num)d payment is missed, the plan ends. What is left is still owed, "
        "and we will contact you about how to pay it.",
        "If %(num)d payments are missed, the plan ends. What is left is still owed, "
        "and we will contact you about how to pay it.",
        missed,
    )
    several = plan.kind == "plan" or len(instalments) > 1
    if plan.paid_by_debtor:
        how = (
            _("You pay each payment yourself on this website, on or before its date. We do not keep your card."),
            _("We will send you a link to pay a few days before each payment."),
        )
        if_missed = (
            _(
                "If a payment is not paid within %(days)s of its date, it is missed and we will tell you.",
                days=ngettext("%(num)d day", "%(num)d days", days),
            ),
            ends,
        )
        change = _(
            "You can change the payment date, pay more, save a card for your payments, ask for a pause or cancel "
            "the plan at any time on this website."
        )
    else:
        how = (
            _(
                "We take each payment from the card you save next, on its date, %(how_often)s.",
                how_often=how_often(plan.frequency),
            )
            if several
            else _("We take the payment from the card you save next."),
            _("We will email you a few days before each payment."),
        )
        if_missed = (
            _(
                "If a payment does not go through, we will tell you and try again %(later)s, up to %(times)s.",
                later=ngettext("%(num)d day later", "%(num)d days later", days),
                times=ngettext("%(num)d more time", "%(num)d more times", retries),
            ),
            ends,
        )
        change = _(
            "You can change the payment date, pay more, change your card, ask for a pause or cancel "
            "the plan at any time on this website."
        )
    return [
        Section(_("What you agree to"), agree),
        Section(_("How you pay"), how),
        Section(_("If a payment is missed"), if_missed),
        Section(
            _("Changing or cancelling"),
            (
                change,
                _("Cancelling the plan does not cancel what you owe."),
                _("If you are finding it hard to pay, tell us: we can help."),
            ),
        ),
    ]


def lost_discount_warning() -> str:
    """What a settlement in instalments costs if it ends early: said on the agreement and before agreeing."""
    return _(
        "If you miss a payment and the plan ends, you lose the discount "
        "and owe the full balance less what you have paid."
    )


def _interest(terms: dict, creditor: Creditor, money) -> tuple[str, ...]:
    """What happens to interest and charges while the plan is kept (nothing to say if none are added)."""
    if terms.get("interest_frozen"):
        return (
            _(
                "Interest and charges stop while you keep to this plan. %(creditor)s agrees not to add any.",
                creditor=creditor.name,
            ),
        )
    if terms.get("monthly_interest"):
        return (
            _(
                "Interest and charges of about %(amount)s a month are still added while you pay. "
                "The payments and dates above include them.",
                amount=money(terms["monthly_interest"]),
            ),
        )
    return ()


def as_text(parts: list[Section]) -> str:
    """The agreement as one plain text, as stored."""
    return "\n\n".join(part.heading + "\n" + "\n".join(part.paragraphs) for part in parts)


def from_text(text: str) -> list[Section]:
    """The stored text back in its sections (the inverse of `as_text`), to show the copy word for word."""
    parts = []
    for block in text.split("\n\n"):
        heading, *paragraphs = block.splitlines() or [""]
        parts.append(Section(heading, tuple(paragraphs)))
    return parts


def _payments(plan: Plan, instalments: list, what: str, fmt: Formatter, money: Callable[[int], str]) -> tuple[str, ...]:
    """What is paid, how often, from when to when (a plan, or a settlement in payments)."""
    first, last = instalments[0], instalments[-1]
    lines = (
        ngettext(
            "You agree to pay %(total)s for %(what)s in %(num)d payment of %(regular)s.",
            "You agree to pay %(total)s for %(what)s in %(num)d payments of %(regular)s.",
            len(instalments),
            total=money(plan.total),
            what=what,
            regular=amount_per(money(plan.instalment_amount), plan.frequency),
        ),
        _(
            "The first payment is on %(first)s and the last is on %(last)s.",
            first=fmt.date(first.due_date),
            last=fmt.date(last.due_date),
        ),
    )
    if last.amount != plan.instalment_amount:
        lines += (_("The last payment is %(amount)s.", amount=money(last.amount)),)
    return lines
