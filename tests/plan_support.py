"""Plans ready to collect, a collect run at a fixed time, and the emails it wrote: shared by the plan tests."""

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

from sqlalchemy import update

from portal import clock
from portal.extensions import db
from portal.jobs.collect import collect
from portal.models import Instalment, OutboundMessage, Plan
from portal.payments.gateway import get_gateway
from portal.plans import agreement
from portal.plans.service.card import prepare_card, save_card
from portal.plans.service.making import agree, submit_proposal
from portal.plans.service.self_pay import choose_how_to_pay
from tests.stripe_server import GOOD_CARD

POLICY = {
    "min_instalment": 500,
    "max_term_months": 12,
    "missed_payments_to_break": 2,
    "retry_attempts": 1,
    "retry_after_days": 3,
}
#: midday in London: inside contact hours, so notices go at once
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def agreed_plan(debtor, account, *, first: date | None = None, amount: int = 10_000, pay_first_now: bool = False):
    """A plan of `account`'s balance in payments of `amount` a month, agreed, with no card yet."""
    first = first or clock.today_for(debtor) + timedelta(days=7)
    plan = submit_proposal(debtor, account, amount, "monthly", first)
    assert plan.status == "draft", plan.review_reasons
    agree(plan, debtor, text="agreed", version=agreement.VERSION, language="en", pay_first_now=pay_first_now)
    db.session.commit()
    return plan


def active_plan(debtor, account, stripe, number: str = GOOD_CARD, first: date | None = None, amount: int = 10_000):
    """A plan of `account`'s balance in payments of `amount` a month, agreed, with a saved card."""
    plan = agreed_plan(debtor, account, first=first, amount=amount)
    gateway = get_gateway()
    secret = prepare_card(plan, debtor, gateway)
    db.session.commit()
    setup = stripe.confirm_setup(secret, number)
    assert save_card(plan, setup["id"], gateway) is None
    db.session.commit()
    db.session.refresh(plan)
    assert plan.status == "active"
    set_aside_messages(debtor)
    return plan


def self_paid_plan(debtor, account, first: date | None = None, amount: int = 10_000):
    """A plan of `account`'s balance in payments of `amount` a month, agreed, paid by the debtor each time (no card):
    running at once."""
    first = first or clock.today_for(debtor) + timedelta(days=7)
    plan = submit_proposal(debtor, account, amount, "monthly", first)
    assert plan.status == "draft", plan.review_reasons
    choose_how_to_pay(plan, debtor, "debtor")
    agree(plan, debtor, text="agreed", version=agreement.VERSION, language="en", pay_first_now=False)
    db.session.commit()
    assert plan.status == "active"
    set_aside_messages(debtor)
    return plan


#: the outcome of a message set aside by a test's set-up
SET_ASIDE = "set aside by the test's set-up"
#: the messages that confirm what the debtor did (portal.confirmations)
CONFIRMATIONS = (
    "plan.agreed",
    "plan.proposal_received",
    "plan.pause_requested",
    "plan.cancelled",
    "dispute.received",
    "dispute.answered",
    "circumstances.received",
)


def set_aside_messages(debtor) -> None:
    """The confirmations setting the scene queued for the debtor (a plan agreed, a dispute received) are
    test_confirmations.py's to check: finished here unsent, so a test that starts from it counts only its own."""
    db.session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.debtor_id == debtor.id,
            OutboundMessage.state == "queued",
            OutboundMessage.template.in_(CONFIRMATIONS),
        )
        .values(state="stale", finished_at=datetime.now(UTC), outcome=SET_ASIDE)
    )
    db.session.commit()


def run(day: date, now: datetime = NOON):
    report = collect(get_gateway(), today=day, now=now)
    db.session.expire_all()
    return report


def emails(app) -> list:
    folder = Path(app.config["MAIL_DIR"])
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [message_from_bytes(path.read_bytes(), policy=default_policy) for path in files]


def stored_plan(account, dates: list[date], amount: int):
    """An active plan with a saved card, written straight to the database (no Stripe): what collect and
    remind find, for tests about whether they may act."""
    plan = Plan(
        reference=f"PL-{account.id:08d}",
        debtor_id=account.debtor_id,
        account_id=account.id,
        status="active",
        kind="plan",
        source="offer",
        frequency="monthly",
        currency=account.currency,
        balance_at_start=amount * len(dates),
        total=amount * len(dates),
        instalment_amount=amount,
        first_date=dates[0],
        payment_method_id="pm_card_visa",
        customer_id="cus_test",
    )
    db.session.add(plan)
    for number, when in enumerate(dates, start=1):
        db.session.add(Instalment(plan=plan, number=number, due_date=when, amount=amount))
    db.session.commit()
    return plan
