"""The plan engine: offers from a creditor's policy, schedules that add up, and proposal checks.

Pure functions over plain data (no Flask, no database), so the debtor, the creditor and the
collection job always see the same numbers. Every amount is an int of minor units; a plan's
instalments add up to its total exactly, with the rounding on the last instalment.

Unless the creditor freezes them, interest and charges go on being added while a plan runs. A plan
must then pay them too: its total is the balance plus what is added up to its last payment, the
balance is still owed until that payment (so every monthly amount is really added), and the last
payment clears it. A plan whose payments don't beat the interest is never offered.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from portal.plans.dates import STEP_DAYS, Payday, add_months, nth_date, schedule_dates
from portal.plans.policy import SETTLEMENT_WITHIN_MONTHS, Frequency, PlanPolicy

#: a proposal needing more instalments than this is far beyond any policy (MAX_TERM_MONTHS of weekly
#: payments is about 520): its term is estimated and no schedule is built
MAX_SCHEDULE_LENGTH = 1000
#: payments a month as a fraction (numerator, denominator): 400 years are 146097 days and 4800 months
PER_MONTH = {frequency: (146097, 4800 * days) for frequency, days in STEP_DAYS.items()} | {Frequency.MONTHLY: (1, 1)}


@dataclass(frozen=True)
class Interest:
    """Interest and charges the creditor still adds while a plan runs: `monthly` minor units a month.

    The creditor adds them on a day of its own; we count them as added on each monthly anniversary
    of `since` (the day the plan is made), before any payment due that day.
    """

    monthly: int
    since: date

    def __post_init__(self) -> None:
        if self.monthly < 1:
            raise ValueError("interest is at least one minor unit a month")

    def added_by(self, day: date) -> int:
        """What has been added from `since` up to and including `day`, if something was owed all along."""
        months = (day.year - self.since.year) * 12 + day.month - self.since.month
        if day < add_months(self.since, months):
            months -= 1
        return self.monthly * max(months, 0)


def interest_during_plan(policy: PlanPolicy, monthly_interest: int, today: date) -> Interest | None:
    """What a plan made today must cover: nothing when the creditor freezes interest during a plan or adds none."""
    if policy.freeze_interest_on_plan or monthly_interest < 1:
        return None
    return Interest(monthly_interest, today)


@dataclass(frozen=True)
class Instalment:
    #: 1-based position in the plan
    number: int
    due: date
    #: minor units
    amount: int


@dataclass(frozen=True)
class Offer:
    """One option shown to the debtor: settle in one payment or in 2 or 3 monthly ones, or n instalments."""

    kind: Literal["settlement", "plan"]
    #: None for a settlement in one payment; monthly for one in instalments
    frequency: Frequency | None
    #: number of payments; 1 for a settlement in one payment
    count: int
    #: the regular amount (every instalment but the last, which may be more)
    instalment: int
    total: int
    #: balance - total for a settlement, else 0
    saving: int
    schedule: tuple[Instalment, ...]
    #: the interest and charges the total includes (total - balance for a plan that pays them)
    interest: int = 0

    @property
    def first_date(self) -> date:
        return self.schedule[0].due

    @property
    def end_date(self) -> date:
        return self.schedule[-1].due

    @property
    def key(self) -> str:
        """A stable name for the offer in a form ("settlement", "settlement:3", "monthly:12"): recompute, then match."""
        if self.kind == "settlement":
            return "settlement" if self.count == 1 else f"settlement:{self.count}"
        return f"{self.frequency}:{self.count}"


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
        "interest_not_covered",
    ]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """Accepted at once, or not (the caller stores it as pending_review with the reasons)."""

    accepted: bool
    reasons: tuple[Reason, ...]
    #: the proposed schedule; empty only for a proposal longer than MAX_SCHEDULE_LENGTH payments (or never
    #: done, when its payments don't beat the interest)
    schedule: tuple[Instalment, ...]
    #: what the schedule adds up to (the balance, plus any interest it pays); the balance when it is empty
    total: int


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
    interest: Interest | None = None,
) -> tuple[Instalment, ...]:
    """A schedule from a number of payments (equal split) or from a regular amount (the last is what is left).

    Give exactly one of `count` and `amount`. With `interest`, the payments also pay what is added
    until the last one; raises ValueError when they can't (a regular amount that never clears the
    balance within MAX_SCHEDULE_LENGTH payments, or a count whose payments clear it early).
    """
    if (count is None) == (amount is None):
        raise ValueError("give exactly one of count and amount")
    if total < 1:
        raise ValueError("a schedule needs a positive total")
    if amount is not None:
        if amount < 1:
            raise ValueError("the regular amount must be positive")
        parts = _parts_of(total, amount, frequency, first, payday, interest, MAX_SCHEDULE_LENGTH if interest else None)
        if parts is None:
            raise ValueError("these payments do not clear the balance and its interest")
        dates, amounts = [due for due, _ in parts], [part for _, part in parts]
    else:
        dates = schedule_dates(first, frequency, count, payday)
        owed = [total + (interest.added_by(due) if interest else 0) for due in dates]
        amounts = split(owed[-1], count)
        if any(owing - paid < 1 for owing, paid in zip(owed[:-1], _running(amounts), strict=False)):
            raise ValueError("these payments clear the balance before the last one")
    return tuple(Instalment(n, due, part) for n, (due, part) in enumerate(zip(dates, amounts, strict=True), 1))


def _running(amounts: list[int]) -> list[int]:
    """What has been paid after each payment."""
    paid, result = 0, []
    for part in amounts:
        paid += part
        result.append(paid)
    return result


def _parts_of(
    total: int,
    amount: int,
    frequency: Frequency,
    first: date,
    payday: Payday | None,
    interest: Interest | None,
    limit: int | None,
) -> list[tuple[date, int]] | None:
    """(date, amount) of each payment of `amount` until what is owed, with the interest added by then, is paid.

    None when that takes more than `limit` payments.
    """
    if interest is None:
        count = -(-total // amount)
        if limit is not None and count > limit:
            return None
        dates = schedule_dates(first, frequency, count, payday)
        return list(zip(dates, [amount] * (count - 1) + [total - amount * (count - 1)], strict=True))
    parts: list[tuple[date, int]] = []
    paid = 0
    while limit is None or len(parts) < limit:
        due = nth_date(first, frequency, len(parts), payday)
        owed = total + interest.added_by(due) - paid
        part = min(amount, owed)
        parts.append((due, part))
        paid += part
        if part == owed:
            return parts
    return None


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


def settlement_offer(
    policy: PlanPolicy, balance: int, on: date, count: int = 1, payday: Payday | None = None
) -> Offer | None:
    """Settle in full at the creditor's discount: in one payment on `on`, or in `count` monthly payments from it.

    In payments, the discounted total is split equally (the rest on the last) and the last falls within
    SETTLEMENT_WITHIN_MONTHS months of the first. None when the creditor offers no settlement, does not allow
    that many payments, or the payments would be less than its minimum or fall too late.
    """
    if policy.settlement_discount_pct is None or balance < 1 or not 1 <= count <= policy.settlement_instalments_max:
        return None
    total = balance - settlement_discount(policy, balance)
    if count == 1:
        return Offer("settlement", None, 1, total, total, balance - total, (Instalment(1, on, total),))
    if total // count < policy.min_instalment:
        return None
    dates = schedule_dates(on, Frequency.MONTHLY, count, payday)
    if dates[-1] >= add_months(dates[0], SETTLEMENT_WITHIN_MONTHS):
        return None
    schedule = tuple(
        Instalment(n, due, part) for n, (due, part) in enumerate(zip(dates, split(total, count), strict=True), 1)
    )
    return Offer("settlement", Frequency.MONTHLY, count, schedule[0].amount, total, balance - total, schedule)


def settlement_offers(policy: PlanPolicy, balance: int, on: date, payday: Payday | None = None) -> list[Offer]:
    """The settlement in one payment, then in each number of monthly payments the creditor allows (2 or 3)."""
    found = (
        settlement_offer(policy, balance, on, count, payday)
        for count in range(1, policy.settlement_instalments_max + 1)
    )
    return [offer for offer in found if offer is not None]


def plan_counts(
    policy: PlanPolicy,
    balance: int,
    frequency: Frequency,
    first: date,
    payday: Payday | None = None,
    interest: Interest | None = None,
) -> list[int]:
    """Every number of equal payments a plan may have, smallest first: within the term, each (but the
    last) at least the minimum, and, with interest, the balance still owed until the last payment.

    One pass: n payments of (balance + interest by the n-th date) // n keep something owed after
    payment j exactly when j times that amount is less than the balance plus the interest by date j,
    so the smallest such bound over the earlier dates decides every n at once.
    """
    limit = add_months(first, policy.max_term_months)
    by_minimum = balance // policy.min_instalment
    counts: list[int] = []
    bound: int | None = None
    count = 0
    while (interest is not None or count < by_minimum) and (due := nth_date(first, frequency, count, payday)) < limit:
        count += 1
        owed = balance + (interest.added_by(due) if interest else 0)
        regular = owed // count
        if regular >= policy.min_instalment and (bound is None or regular <= bound):
            counts.append(count)
        bound = (owed - 1) // count if bound is None else min(bound, (owed - 1) // count)
    return counts


def max_count(
    policy: PlanPolicy,
    balance: int,
    frequency: Frequency,
    first: date,
    payday: Payday | None = None,
    interest: Interest | None = None,
) -> int:
    """The most instalments a plan may have (see plan_counts); 0 when none."""
    return max(plan_counts(policy, balance, frequency, first, payday, interest), default=0)


def plan_offer(
    balance: int,
    frequency: Frequency,
    first: date,
    count: int,
    payday: Payday | None = None,
    interest: Interest | None = None,
) -> Offer:
    """A plan of `count` equal instalments (rounding on the last) that pays the balance and any interest added."""
    schedule = build_schedule(balance, frequency, first, count=count, payday=payday, interest=interest)
    total = sum(instalment.amount for instalment in schedule)
    return Offer("plan", frequency, count, schedule[0].amount, total, 0, schedule, total - balance)


def offers(
    policy: PlanPolicy,
    balance: int,
    first: date,
    payday: Payday | None = None,
    interest: Interest | None = None,
) -> list[Offer]:
    """What the debtor may pick: the settlements (if any: see settlement_offers), then per allowed frequency
    the shortest, a middle and the longest plan the policy allows (the longest has the smallest instalments).

    A plan has at least two payments; a balance too small to split above the minimum gets no plans,
    and neither does one whose interest no allowed payment can beat.
    """
    if balance < 1:
        return []
    result = settlement_offers(policy, balance, first, payday)
    for frequency in policy.frequencies:
        counts = [count for count in plan_counts(policy, balance, frequency, first, payday, interest) if count >= 2]
        if not counts:
            continue
        shortest, longest = counts[0], counts[-1]
        middle = max(count for count in counts if count <= (shortest + longest) // 2)
        for count in sorted({shortest, middle, longest}):
            result.append(plan_offer(balance, frequency, first, count, payday, interest))
    return result


def evaluate_proposal(
    policy: PlanPolicy,
    balance: int,
    amount: int,
    frequency: Frequency,
    first: date,
    today: date,
    payday: Payday | None = None,
    interest: Interest | None = None,
) -> Decision:
    """Check the debtor's own plan (a regular amount, a frequency, a first date) against the policy.

    Inside policy it is accepted at once; otherwise every broken rule is given as a Reason, and the
    caller stores the proposal as pending_review. An amount of the whole balance is a single payment
    (plus, with interest, what is added before it). An amount that never beats the interest is a
    reason of its own: the balance would never go down.
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
    parts = _parts_of(balance, regular, frequency, first, payday, interest, MAX_SCHEDULE_LENGTH)
    schedule = tuple(Instalment(n, due, part) for n, (due, part) in enumerate(parts or (), 1))
    monthly = interest.monthly if interest else 0
    if schedule:
        months: int | None = term_months(schedule)
    else:
        months = _estimated_months(frequency, balance, regular, monthly)
    if months is None:
        reasons.append(Reason("interest_not_covered", {"amount": regular, "interest": monthly}))
    elif months > policy.auto_accept_max_term_months:
        reasons.append(Reason("term_too_long", {"months": months, "allowed": policy.auto_accept_max_term_months}))
    total = sum(instalment.amount for instalment in schedule) or balance
    return Decision(accepted=not reasons, reasons=tuple(reasons), schedule=schedule, total=total)


def smallest_accepted_amount(
    policy: PlanPolicy,
    balance: int,
    frequency: Frequency,
    first: date,
    today: date,
    payday: Payday | None = None,
    interest: Interest | None = None,
) -> int | None:
    """The least regular amount evaluate_proposal accepts at once, so the proposal page promises only
    what the rules will agree; None when no proposal is agreed at once.

    Acceptance only grows with the amount (a bigger one meets the minimum and ends sooner), so a
    search between nothing and the whole balance finds the edge.
    """

    def accepted(amount: int) -> bool:
        return evaluate_proposal(policy, balance, amount, frequency, first, today, payday, interest).accepted

    if balance < 1 or not accepted(balance):
        return None
    refused, agreed = 0, balance
    while agreed - refused > 1:
        middle = (refused + agreed) // 2
        if accepted(middle):
            agreed = middle
        else:
            refused = middle
    return agreed


def _estimated_months(frequency: Frequency, balance: int, regular: int, monthly: int) -> int | None:
    """About how many months payments of `regular` take to clear `balance` while `monthly` is added;
    None when they never do (they pay no more than is added)."""
    numerator, denominator = PER_MONTH[frequency]
    falls_by = regular * numerator - monthly * denominator  # what the balance falls by each month, times denominator
    if falls_by <= 0:
        return None
    return -(-balance * denominator // falls_by)
