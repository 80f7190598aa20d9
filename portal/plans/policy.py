"""A creditor's plan rules, read once from its ``Creditor.policy`` JSON into a typed, checked value.

Creditors send their policy through the API or CSV, so a missing or malformed key must never
break the portal: each key that is absent, of the wrong type or out of range falls back to a safe
default, and the engine only ever sees a sane `PlanPolicy`.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

#: the longest plan any creditor may set (10 years); keeps every schedule small enough to build
MAX_TERM_MONTHS = 120
#: the furthest a debtor may ever move a payment later by themselves: less than a month, so a monthly plan never
#: jumps a month (a creditor may allow less)
MAX_MOVE_LATER_DAYS = 28
#: the furthest ahead a promise to pay may ever be (a creditor may allow less): a promise is a short thing
MAX_PROMISE_DAYS = 90
#: the most promises to pay a creditor may let be open at once on one account
MAX_OPEN_PROMISES = 5
#: the most payments a discounted settlement may be split into (1: one payment only)
MAX_SETTLEMENT_INSTALMENTS = 3
#: a settlement in instalments ends within this many months of its first payment
SETTLEMENT_WITHIN_MONTHS = 3


class Frequency(enum.StrEnum):
    """How often an instalment is taken; four-weekly matches UK pay cycles."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class PlanPolicy:
    """What a creditor will agree to; every amount is in minor units."""

    #: the least each instalment may be, except the last
    min_instalment: int
    #: the longest plan offered, in months from the first payment (see engine.term_months)
    max_term_months: int
    #: the frequencies offered, in the order of `Frequency`
    frequencies: tuple[Frequency, ...]
    #: (min, max) settlement discount in whole percent; offers use the max; None: no settlement offer
    settlement_discount_pct: tuple[int, int] | None
    #: missed instalments that break a plan
    missed_payments_to_break: int
    #: the first payment must fall within this many days of today
    first_payment_within_days: int
    #: declined instalment retries before it counts as missed
    retry_attempts: int
    #: days between a decline and its retry
    retry_after_days: int
    #: a debtor's own proposal up to this term (and instalments >= min_instalment) is accepted at once
    auto_accept_max_term_months: int
    #: the creditor agrees to add no interest or charges while a plan is kept. Off unless the creditor says
    #: so: a freeze is a promise in their name, and without it a plan's payments must cover what is added
    freeze_interest_on_plan: bool = False
    #: the creditor reports its accounts to credit reference agencies (a settlement says how it will show)
    reports_to_credit_files: bool = False
    #: how many days later than its date a running plan's next payment may be moved by the debtor (to their
    #: payday, say); 0: only earlier. Never a whole payment interval (portal.plans.dates.move_window)
    move_payment_later_days: int = 14
    #: a promise to pay ("I'll pay £X by <date>", portal.promises) may name a day at most this many days ahead
    promise_latest_days: int = 30
    #: the least a promise to pay may be for, in minor units (less when the balance is less); None: min_instalment
    promise_min_amount: int | None = None
    #: how many promises to pay may be open at once on one account
    promise_max_open: int = 1
    #: how many monthly payments a discounted settlement may be paid in (1..MAX_SETTLEMENT_INSTALMENTS);
    #: 1: one payment only. The discount is written off only when the last of them is paid
    settlement_instalments_max: int = 1

    def __post_init__(self) -> None:
        if self.min_instalment < 1:
            raise ValueError("min_instalment must be at least one minor unit")
        if not 1 <= self.max_term_months <= MAX_TERM_MONTHS:
            raise ValueError(f"max_term_months must be 1..{MAX_TERM_MONTHS}")
        if not 0 <= self.auto_accept_max_term_months <= self.max_term_months:
            raise ValueError("auto_accept_max_term_months must be 0..max_term_months")
        if not self.frequencies:
            raise ValueError("a policy allows at least one frequency")
        if not 1 <= self.promise_latest_days <= MAX_PROMISE_DAYS or not 1 <= self.promise_max_open <= MAX_OPEN_PROMISES:
            raise ValueError("promise_latest_days or promise_max_open out of range")
        if not 1 <= self.settlement_instalments_max <= MAX_SETTLEMENT_INSTALMENTS:
            raise ValueError(f"settlement_instalments_max must be 1..{MAX_SETTLEMENT_INSTALMENTS}")
        if self.settlement_discount_pct is not None and not _valid_discount(self.settlement_discount_pct):
            raise ValueError("settlement_discount_pct must be (min, max) with 0 <= min <= max < 100")

    @classmethod
    def from_dict(cls, policy: dict[str, Any] | None, *, default_minimum: int = 100) -> "PlanPolicy":
        """Read ``Creditor.policy``; any missing or bad key takes its safe default.

        Keys: min_instalment, max_term_months, frequencies (list of names), settlement_discount_pct
        ([min, max]) or settlement_discount_min_pct / settlement_discount_max_pct, missed_payments_to_break,
        first_payment_within_days, retry_attempts, retry_after_days, auto_accept_max_term_months
        (defaults to max_term_months, and never exceeds it), freeze_interest_on_plan and
        reports_to_credit_files (true only when sent as JSON true), move_payment_later_days (0..28, default 14),
        promise_latest_days (1..MAX_PROMISE_DAYS, default 30), promise_min_amount (default: min_instalment),
        promise_max_open (1..MAX_OPEN_PROMISES, default 1), settlement_instalments_max
        (1..MAX_SETTLEMENT_INSTALMENTS, default 1: a settlement is one payment).
        """
        raw = policy or {}
        max_term = _int(raw, "max_term_months", 24, 1, MAX_TERM_MONTHS)
        return cls(
            min_instalment=_int(raw, "min_instalment", max(default_minimum, 1), 1, None),
            max_term_months=max_term,
            frequencies=_frequencies(raw.get("frequencies")),
            settlement_discount_pct=_discount(raw),
            missed_payments_to_break=_int(raw, "missed_payments_to_break", 2, 1, None),
            first_payment_within_days=_int(raw, "first_payment_within_days", 30, 0, None),
            retry_attempts=_int(raw, "retry_attempts", 2, 0, None),
            retry_after_days=_int(raw, "retry_after_days", 3, 1, None),
            auto_accept_max_term_months=min(_int(raw, "auto_accept_max_term_months", max_term, 0, None), max_term),
            freeze_interest_on_plan=raw.get("freeze_interest_on_plan") is True,
            reports_to_credit_files=raw.get("reports_to_credit_files") is True,
            move_payment_later_days=_int(raw, "move_payment_later_days", 14, 0, MAX_MOVE_LATER_DAYS),
            promise_latest_days=_int(raw, "promise_latest_days", 30, 1, MAX_PROMISE_DAYS),
            promise_min_amount=_int(raw, "promise_min_amount", 0, 1, None) or None,
            promise_max_open=_int(raw, "promise_max_open", 1, 1, MAX_OPEN_PROMISES),
            settlement_instalments_max=_int(raw, "settlement_instalments_max", 1, 1, MAX_SETTLEMENT_INSTALMENTS),
        )

    @property
    def least_promise(self) -> int:
        """The least a promise to pay may be for: the creditor's own figure, or the smallest instalment."""
        return self.promise_min_amount or self.min_instalment

    def latest_first_payment(self, today: date) -> date:
        """The last day the first payment may fall on: a plan must start soon to be a real plan."""
        return today + timedelta(days=self.first_payment_within_days)


def _int(raw: dict[str, Any], key: str, default: int, low: int, high: int | None) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        return default
    return value


def _frequencies(value: Any) -> tuple[Frequency, ...]:
    """The allowed frequencies in a stable order; none recognised means all of them."""
    names = set(value) if isinstance(value, list | tuple) else set()
    allowed = tuple(frequency for frequency in Frequency if frequency.value in names)
    return allowed or tuple(Frequency)


def _valid_discount(pair: tuple[int, int]) -> bool:
    low, high = pair
    return all(isinstance(v, int) and not isinstance(v, bool) for v in pair) and 0 <= low <= high < 100


def _discount(raw: dict[str, Any]) -> tuple[int, int] | None:
    """The discount range, from a [min, max] pair or from separate min/max keys (min defaults to 0)."""
    pair = raw.get("settlement_discount_pct")
    if pair is None and "settlement_discount_max_pct" in raw:
        pair = (raw.get("settlement_discount_min_pct", 0), raw["settlement_discount_max_pct"])
    if isinstance(pair, list | tuple) and len(pair) == 2 and _valid_discount((pair[0], pair[1])):
        return (pair[0], pair[1])
    return None
