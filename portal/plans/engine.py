"""The plan engine: offers from a creditor's policy, schedules that add up, and proposal checks.

Pure functions over plain data (no Flask, no database), so the debtor, the creditor and the
collection job always see the same numbers. Every amount is an int of minor units; a plan's
instalments add up to its total exactly, with the rounding on the last instalment.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from portal.plans.dates import STEP_DAYS, Payday, add_months, nth_date, schedule_dates
from portal.plans.policy import Frequency, PlanPolicy

#: a proposal needing more instalments than this is far beyond any policy (MAX_TERM_MONTHS of weekly
#: payments is about 520): its term is estimated and no schedule is built
MAX_SCHEDULE_LENGTH = 1000


@dataclass(frozen=True)
class Instalment:
    #: 1-based position in the plan
    number: int
    due: date
    #: minor units
    amount: int


@dataclass(frozen=True)
class Offer:
    """One option shown to the debtor: settle now, or n instalments at a frequency."""

    kind: Literal["settlement", "plan"]
    #: None for a settlement
    frequency: Frequency | None
    #: number of payments; 1 for a settlement
    count: int
    #: the regular amount (every instalment but the last, which may be more)
    instalment: int
    total: int
    #: balance - total for a settlement, else 0
    saving: int
    schedule: tuple[Instalment, ...]

    @property
    def first_date(self) -> date:
        return self.schedule[0].due

    @property
    def end_date(self) -> date:
        return self.schedule[-1].due

    @property
    def key(self) -> str:
        """A stable name for the offer in a form ("settlement", "monthly:12"): recompute, then match."""
        return "settlement" if self.kind == "settlement" else f"{self.frequency}:{self.count}"


@dataclass(frozen=True)
class Reason:
    """Why a proposal needs a person to look at it; the web layer turns it into words.

    Params are JSON-ready (ints and strings; dates as ISO strings) so they can be stored as they are.
    """

    code: Literal[
        "term_too_long",
        "below_minimum",
        "frequency_not_allowed",
        "start_too_late",
        "start_in_past",
        "amount_above_balance",
    ]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """Accepted at once, or not (the caller stores it as pending_review with the reasons)."""

    accepted: bool
    reasons: tuple[Reason, ...]
    #: the proposed schedule; empty only for a proposal longer than MAX_SCHEDULE_LENGTH payments
    schedule: tuple[Instalment, ...]


def split(total: int, count: int) -> list[int]:
    """`count` equal parts of `total`, the remainder on the last: 100000 / 3 → 33333, 33333, 33334."""
    if count < 1 or total < 0:
        raise ValueError("split needs count >= 1 and total >= 0")
    base = total // count
    return [base] * (count - 1) + [total - base * (count - 1)]


def build_schedule(
    total: int,
    frequency: Frequency,
    first: date,
    count: int | None = None,
    amount: int | None = None,
    payday: Payday | None = None,
) -> tuple[Instalment, ...]:
    """A schedule from a number of payments (equal split) or from a regular amount (the last is what is left).

    Give exactly one of `count` and `amount`.
    """
    if (count is None) == (amount is None):
        raise ValueError("give exactly one of count and amount")
    if total < 1:
        raise ValueError("a schedule needs a positive total")
    if amount is not None:
        if amount < 1:
            raise ValueError("the regular amount must be positive")
        count = -(-total // amount)
        amounts = [amount] * (count - 1) + [total - amount * (count - 1)]
    else:
        amounts = split(total, count)
    dates = schedule_dates(first, frequency, len(amounts), payday)
    return tuple(Instalment(n, due, part) for n, (due, part) in enumerate(zip(dates, amounts, strict=True), 1))


def term_months(schedule: tuple[Instalment, ...] | list[Instalment]) -> int:
    """A plan's length in months: the fewest whole months from the first payment within which the last falls.

    So 24 monthly payments are 24 months (the last is 23 months after the first), and so are 104
    weekly ones; a 25th monthly payment makes 25. An empty schedule is 0 months.
    """
    if not schedule:
        return 0
    first, last = schedule[0].due, schedule[-1].due
    months = (last.year - first.year) * 12 + last.month - first.month
    return months + 1 if last >= add_months(first, months) else months


def settlement_discount(policy: PlanPolicy, balance: int) -> int:
    """The creditor's largest discount on the balance, rounded up to a whole minor unit (in the debtor's favour)."""
    if policy.settlement_discount_pct is None:
        return 0
    return -(-balance * policy.settlement_discount_pct[1] // 100)


def settlement_offer(policy: PlanPolicy, balance: int, on: date) -> Offer | None:
    """Settle in full on one date at the creditor's discount; None when the creditor offers none."""
    if policy.settlement_discount_pct is None or balance < 1:
        return None
    total = balance - settlement_discount(policy, balance)
    return Offer(
        kind="settlement",
        frequency=None,
        count=1,
        instalment=total,
        total=total,
        saving=balance - total,
        schedule=(Instalment(1, on, total),),
    )


def max_count(policy: PlanPolicy, balance: int, frequency: Frequency, first: date, payday: Payday | None = None) -> int:
    """The most instalments a plan may have: each (but the last) >= the minimum, and within the term."""
    by_minimum = balance // policy.min_instalment
    limit = add_months(first, policy.max_term_months)
    count = 0
    while count < by_minimum and nth_date(first, frequency, count, payday) < limit:
        count += 1
    return count


def plan_offer(balance: int, frequency: Frequency, first: date, count: int, payday: Payday | None = None) -> Offer:
    """A plan of `count` equal instalments (rounding on the last)."""
    schedule = build_schedule(balance, frequency, first, count=count, payday=payday)
    return Offer("plan", frequency, count, schedule[0].amount, balance, 0, schedule)


def offers(policy: PlanPolicy, balance: int, first: date, payday: Payday | None = None) -> list[Offer]:
    """What the debtor may pick: the settlement (if any), then per allowed frequency the shortest,
    a middle and the longest plan the policy allows (the longest has the smallest instalments).

    A plan has at least two payments; a balance too small to split above the minimum gets no plans.
    """
    if balance < 1:
        return []
    result = [offer] if (offer := settlement_offer(policy, balance, first)) else []
    for frequency in policy.frequencies:
        longest = max_count(policy, balance, frequency, first, payday)
        if longest < 2:
            continue
        for count in sorted({2, (2 + longest) // 2, longest}):
            result.append(plan_offer(balance, frequency, first, count, payday))
    return result


def evaluate_proposal(
    policy: PlanPolicy,
    balance: int,
    amount: int,
    frequency: Frequency,
    first: date,
    today: date,
    payday: Payday | None = None,
) -> Decision:
    """Check the debtor's own plan (a regular amount, a frequency, a first date) against the policy.

    Inside policy it is accepted at once; otherwise every broken rule is given as a Reason, and the
    caller stores the proposal as pending_review. An amount of the whole balance is a single payment.
    """
    if balance < 1 or amount < 1:
        raise ValueError("a proposal needs a positive balance and amount")
    reasons: list[Reason] = []
    if frequency not in policy.frequencies:
        reasons.append(Reason("frequency_not_allowed", {"frequency": str(frequency)}))
    if first < today:
        reasons.append(Reason("start_in_past", {"first": first.isoformat(), "today": today.isoformat()}))
    latest = policy.latest_first_payment(today)
    if first > latest:
        reasons.append(
            Reason(
                "start_too_late",
                {"first": first.isoformat(), "latest": latest.isoformat(), "days": policy.first_payment_within_days},
            )
        )
    if amount > balance:
        reasons.append(Reason("amount_above_balance", {"amount": amount, "balance": balance}))
    elif amount < min(policy.min_instalment, balance):
        reasons.append(Reason("below_minimum", {"amount": amount, "minimum": policy.min_instalment}))

    regular = min(amount, balance)
    count = -(-balance // regular)
    if count > MAX_SCHEDULE_LENGTH:
        schedule: tuple[Instalment, ...] = ()
        months = _estimated_months(frequency, count)
    else:
        schedule = build_schedule(balance, frequency, first, amount=regular, payday=payday)
        months = term_months(schedule)
    if months > policy.auto_accept_max_term_months:
        reasons.append(Reason("term_too_long", {"months": months, "allowed": policy.auto_accept_max_term_months}))
    return Decision(accepted=not reasons, reasons=tuple(reasons), schedule=schedule)


def _estimated_months(frequency: Frequency, count: int) -> int:
    """About how many months `count` payments take (400 years are 146097 days and 4800 months)."""
    if frequency == Frequency.MONTHLY:
        return count
    return (count - 1) * STEP_DAYS[frequency] * 4800 // 146097 + 1
