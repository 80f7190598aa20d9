"""What happens next on an account, as a short list of steps in plain words.

`steps` is a plain function of an account's `Facts` (it only needs Babel for the words), so each
stage's story is easy to read and to test; portal.rights.service.timeline reads the facts.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from portal.models import Dispute, Hold, Instalment, Plan


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    #: the day it happened or will happen, if there is one
    when: date | None
    #: "done", "now" or "next"
    state: str


@dataclass(frozen=True)
class Facts:
    jurisdiction: str
    status: str
    balance: int
    today: date
    #: the debtor's time zone, for the days things happened
    timezone: str = "UTC"
    dispute: Dispute | None = None
    request: Dispute | None = None
    #: a statute-barred claim in progress
    claim: Dispute | None = None
    hold: Hold | None = None
    validation_sent_on: date | None = None
    validation_ends_on: date | None = None
    plan: Plan | None = None
    next_instalment: Instalment | None = None


def steps(facts: Facts) -> list[Step]:
    if facts.status == "closed" or (facts.balance <= 0 and facts.dispute is None):
        return [Step(_("Nothing to pay"), _("We will not ask you for any money on this account."), None, "now")]
    for started in (facts.dispute, facts.claim):
        if started is not None:
            return _in_progress(started, facts.timezone)
    if facts.hold is not None:
        return _on_hold(facts.hold)
    if facts.request is not None:
        return _in_progress(facts.request, facts.timezone)
    found = []
    if facts.validation_ends_on is not None and facts.today <= facts.validation_ends_on:
        found += _validation(facts.validation_sent_on, facts.validation_ends_on)
    found += _paying(facts)
    return found


def _day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def _in_progress(dispute: Dispute, timezone: str) -> list[Step]:
    sent_on = _day(dispute.created_at, timezone)
    if dispute.status == "awaiting_delivery":
        return _awaiting_delivery(dispute, sent_on, _day(dispute.resolved_at, timezone))
    if dispute.kind == "statute_barred":
        return _claimed(dispute, sent_on)
    if dispute.kind == "original_creditor":
        return _original_creditor_requested(dispute, sent_on)
    return _disputed(dispute, sent_on)


def _first_step(dispute: Dispute, sent_on: date) -> Step:
    reference = dispute.reference
    if dispute.kind == "statute_barred":
        title = _("You told us this debt is statute-barred")
        text = _("We have your message, reference %(reference)s.", reference=reference)
    elif dispute.kind == "original_creditor":
        title = _("You asked who the debt first belonged to")
        text = _("We have your request, reference %(reference)s.", reference=reference)
    else:
        title = _("You disputed this debt")
        text = _("We have your dispute, reference %(reference)s.", reference=reference)
    return Step(title, text, sent_on, "done")


def _awaiting_delivery(dispute: Dispute, sent_on: date, answered_on: date) -> list[Step]:
    return [
        _first_step(dispute, sent_on),
        Step(_("We answered"), _("Our answer is on this account page."), answered_on, "done"),
        Step(
            _("We send you our answer"),
            _("We do not ask you for payment on this account until we have sent it to you."),
            None,
            "now",
        ),
        Step(
            _("After that"),
            _("We may ask you for payment on this account again. We will tell you first."),
            None,
            "next",
        ),
    ]


def _claimed(claim: Dispute, sent_on: date) -> list[Step]:
    return [
        _first_step(claim, sent_on),
        Step(
            _("We look at it"),
            _(
                "While we look at your message, we do not ask you for payment on this account and we send no "
                "reminders about it."
            ),
            None,
            "now",
        ),
        Step(
            _("We tell you what we found"),
            _("Our answer will be on this account page, and we will write to you."),
            None,
            "next",
        ),
    ]


def _disputed(dispute: Dispute, sent_on: date) -> list[Step]:
    return [
        _first_step(dispute, sent_on),
        Step(
            _("We check the debt"),
            _(
                "We look at our records and at anything you sent us. While we check, we do not ask you for "
                "payment and we send no reminders about this account."
            ),
            None,
            "now",
        ),
        Step(
            _("We tell you what we found"),
            _("Our answer will be on this account page, and we will write to you."),
            None,
            "next",
        ),
        Step(
            _("After that"),
            _("If the debt is right, you can pay it or agree a plan. If it is wrong, we correct it or close it."),
            None,
            "next",
        ),
    ]


def _on_hold(hold: Hold) -> list[Step]:
    started = {
        "breathing_space": _("Your Breathing Space started"),
        "mental_health_crisis": _("Your mental health crisis Breathing Space started"),
        "creditor_pause": _("We paused this account"),
    }[hold.kind]
    if hold.ends_on is not None:
        ends = Step(_("The hold ends"), _("From this day we may ask you for payment again."), hold.ends_on, "next")
    else:
        ends = Step(
            _("The hold ends"),
            _("It lasts as long as your crisis treatment, and 30 days more. We will tell you before it ends."),
            None,
            "next",
        )
    return [
        Step(started, _("This account is on hold."), hold.starts_on, "done"),
        Step(
            _("While it is on hold"),
            _("We do not ask you for payment, we send no reminders, and we add no interest or fees."),
            None,
            "now",
        ),
        ends,
        Step(
            _("After the hold"),
            _("If you have a payment plan, its payments move later by the length of the hold."),
            None,
            "next",
        ),
    ]


def _original_creditor_requested(request: Dispute, sent_on: date) -> list[Step]:
    return [
        _first_step(request, sent_on),
        Step(
            _("We find the details"),
            _("We do not ask you for payment until we have sent you the original creditor's name and address."),
            None,
            "now",
        ),
        Step(_("We send you the name and address"), _("You will see them on this account page."), None, "next"),
    ]


def _validation(sent_on: date | None, ends_on: date) -> list[Step]:
    return [
        Step(
            _("We sent you the information about this debt"),
            _("It is also on the validation information page."),
            sent_on,
            "done",
        ),
        Step(
            _("You can dispute the debt"),
            _(
                "If you think this debt is wrong, dispute it by this date. You can also ask for the name and "
                "address of the original creditor."
            ),
            ends_on,
            "now",
        ),
    ]


def _paying(facts: Facts) -> list[Step]:
    if facts.next_instalment is not None:
        return [
            Step(_("You have a payment plan"), _("Thank you for agreeing a plan."), None, "done"),
            Step(
                _("Your next payment"),
                _("We take it from the card you saved. We will remind you before the day."),
                facts.next_instalment.due_date,
                "next",
            ),
            Step(
                _("If a payment does not go through"),
                _("We will tell you, and try again. If things change for you, tell us: we can change the plan."),
                None,
                "next",
            ),
        ]
    if facts.jurisdiction == "UK":
        reminders = _(
            "We will keep sending you reminders. Missed payments can be recorded on your credit file: your "
            "rights page explains what that means."
        )
    else:
        reminders = _("We will keep sending you reminders about this debt.")
    return [
        Step(
            _("Pay, or agree a plan"),
            _(
                "Pay what you can, or agree a payment plan you can afford. If you are finding it hard to pay, "
                "tell us: we can give you more time."
            ),
            None,
            "now",
        ),
        Step(_("If we do not hear from you"), reminders, None, "next"),
    ]
