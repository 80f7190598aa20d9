"""The budget engine: monthly totals, spending guideline checks and a pro rata offer, as plain functions.

Every amount is an int of minor units (pence, cents); no float is ever involved, so the same
statement always gives the same totals to the debtor, the creditor and the support agent.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from portal.budget.structures import Kind, Structure

AccountId = TypeVar("AccountId", bound=Hashable)


class LineFrequency(StrEnum):
    """How often a budget line's amount is paid or received, as people think of it (UK pay is often four-weekly).

    Not a plan's `portal.plans.policy.Frequency`: bills and income also come quarterly or yearly,
    which no instalment schedule offers.
    """

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


#: months-per-payment as an exact fraction (numerator, denominator): 52 weeks make 12 months
_PER_MONTH: dict[LineFrequency, tuple[int, int]] = {
    LineFrequency.WEEKLY: (52, 12),
    LineFrequency.FORTNIGHTLY: (26, 12),
    LineFrequency.FOUR_WEEKLY: (13, 12),
    LineFrequency.MONTHLY: (1, 1),
    LineFrequency.QUARTERLY: (1, 3),
    LineFrequency.YEARLY: (1, 12),
}


def to_monthly(amount_minor: int, frequency: LineFrequency) -> int:
    """The monthly equivalent of an amount, exact up to one rounding.

    weekly ×52/12, fortnightly ×26/12, four-weekly ×13/12, quarterly /3, yearly /12. The one
    rounding rule: round half up (a tie goes towards +infinity) to the nearest minor unit, done in
    integers as ``(2 × amount × n + d) // (2 × d)`` for the fraction n/d. So £100 weekly is £433.33,
    £100 fortnightly £216.67 and 3p fortnightly (6.5p) 7p.
    """
    numerator, denominator = _PER_MONTH[frequency]
    return (2 * amount_minor * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class BudgetLine:
    """One amount the debtor typed, in the frequency they think of it in."""

    line_id: str
    amount_minor: int
    frequency: LineFrequency

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("BudgetLine.amount_minor must be an int of minor units")
        if self.amount_minor < 0:
            raise ValueError("a budget amount cannot be negative")


@dataclass(frozen=True)
class BudgetSummary:
    """Monthly totals of a statement; every amount is monthly, in minor units."""

    #: True for the quick budget: show its totals as an estimate
    estimate: bool
    #: every line of the structure, 0 where nothing was entered, in structure order
    line_totals: Mapping[str, int]
    #: every section of the structure, the sum of its (already rounded) lines
    section_totals: Mapping[str, int]
    #: per kind (income, fixed, flexible, savings or expense), for the SFS subtotals
    kind_totals: Mapping[Kind, int]
    income_total: int
    #: fixed + flexible + savings (UK) or expense (US)
    outgoings_total: int
    #: income - outgoings; negative when the household is short every month
    disposable: int


def summarise(structure: Structure, lines: Iterable[BudgetLine]) -> BudgetSummary:
    """Add up a statement by month; an id that is not in the structure, or given twice, is a ValueError."""
    monthly: dict[str, int] = {}
    known = {line.id for section in structure.sections for line in section.lines}
    for line in lines:
        if line.line_id not in known:
            raise ValueError(f"{line.line_id!r} is not a line of this budget")
        if line.line_id in monthly:
            raise ValueError(f"{line.line_id!r} is given twice")
        monthly[line.line_id] = to_monthly(line.amount_minor, line.frequency)

    line_totals = {line.id: monthly.get(line.id, 0) for section in structure.sections for line in section.lines}
    section_totals = {section.id: sum(line_totals[line.id] for line in section.lines) for section in structure.sections}
    kind_totals: dict[Kind, int] = {}
    for section in structure.sections:
        kind_totals[section.kind] = kind_totals.get(section.kind, 0) + section_totals[section.id]
    income = sum(total for kind, total in kind_totals.items() if not kind.is_outgoing)
    outgoings = sum(total for kind, total in kind_totals.items() if kind.is_outgoing)
    return BudgetSummary(
        estimate=structure.estimate,
        line_totals=MappingProxyType(line_totals),
        section_totals=MappingProxyType(section_totals),
        kind_totals=MappingProxyType(kind_totals),
        income_total=income,
        outgoings_total=outgoings,
        disposable=income - outgoings,
    )


@dataclass(frozen=True)
class Household:
    """Who the budget feeds: guideline figures depend on it."""

    adults: int
    children: int
    vehicles: int

    def __post_init__(self) -> None:
        if self.adults < 1 or self.children < 0 or self.vehicles < 0:
            raise ValueError("a household has at least one adult and no negative counts")

    @property
    def persons(self) -> int:
        return self.adults + self.children


def guideline_for(figures: Mapping[str, int], household: Household) -> int | None:
    """The monthly guideline for this household from a creditor's figures for one line or section.

    The first key present wins, most specific first:

    1. ``"adults:1,children:2,vehicles:1"``: the exact household (SFS guidelines vary by all three);
    2. ``"adults:1,children:2"``: any number of vehicles;
    3. ``"persons:3"``: by household size (as the IRS national standards are);
    4. ``"per_person"``: that figure times the number of people.

    None when no key matches: without a guideline nothing is questioned.
    """
    a, c, v = household.adults, household.children, household.vehicles
    for key in (f"adults:{a},children:{c},vehicles:{v}", f"adults:{a},children:{c}", f"persons:{a + c}"):
        if key in figures:
            return figures[key]
    if "per_person" in figures:
        return figures["per_person"] * household.persons
    return None


@dataclass(frozen=True)
class GuidelineFlag:
    """A line or section above the creditor's guideline: ask the debtor for a short explanation."""

    item_id: str
    monthly_minor: int
    guideline_minor: int


def guideline_flags(
    summary: BudgetSummary, guidelines: Mapping[str, Mapping[str, int]], household: Household
) -> list[GuidelineFlag]:
    """Flags for every amount above its guideline, sections first then lines, in structure order.

    ``guidelines`` is creditor data, ``{line_or_section_id: {household_key: monthly_minor}}`` (see
    ``guideline_for`` for the keys). At or below the guideline nothing is flagged, and ids this
    structure does not have are skipped, so one set of figures can serve both jurisdictions.
    We ship no figures: no guidelines configured means no flags.
    """
    flags = []
    for totals in (summary.section_totals, summary.line_totals):
        for item_id, amount in totals.items():
            if item_id not in guidelines:
                continue
            guideline = guideline_for(guidelines[item_id], household)
            if guideline is not None and amount > guideline:
                flags.append(GuidelineFlag(item_id=item_id, monthly_minor=amount, guideline_minor=guideline))
    return flags


def pro_rata_offer(available_minor: int, balances: Mapping[AccountId, int]) -> dict[AccountId, int]:
    """Share what the debtor can pay across their accounts in proportion to each balance.

    The shares add up exactly to min(available, total balance), so no creditor is paid more than it
    is owed and not a penny goes missing: each account first gets the whole part of
    balance / total × amount, then the pennies left over go one each to the largest remainders (the
    largest-remainder method; ties go to the account listed first). Nothing available (zero or less)
    gives every account 0.
    """
    if any(balance < 0 for balance in balances.values()):
        raise ValueError("balances must not be negative")
    total = sum(balances.values())
    to_share = min(max(available_minor, 0), total)
    if to_share == 0:
        return dict.fromkeys(balances, 0)

    shares = {account: balance * to_share // total for account, balance in balances.items()}
    left_over = to_share - sum(shares.values())
    by_remainder = sorted(balances, key=lambda account: -(balances[account] * to_share % total))
    for account in by_remainder[:left_over]:
        shares[account] += 1
    return shares


#: the share of what is left each month that a suggested offer keeps back for the unexpected (a repair, a
#: higher bill, a school trip), in percent
MARGIN_PERCENT = 10
#: at least this much is kept back each month (minor units: £25 or $25), or half of what is left when that
#: is less, so a small surplus is never offered whole
MARGIN_AT_LEAST = 2_500


@dataclass(frozen=True)
class Suggestion:
    """What we suggest offering each month, and what it keeps back."""

    #: what is left each month (income - outgoings), never below 0
    available: int
    #: the monthly offer we suggest: available - margin, in whole currency units
    offer: int

    @property
    def margin(self) -> int:
        """What the suggestion keeps back each month."""
        return self.available - self.offer


def suggested_offer(disposable_minor: int) -> Suggestion:
    """The monthly offer to suggest: what is left, less a margin for the unexpected.

    The rule: keep back 10% of what is left, but at least £25 (or half of what is left, when that is less
    than £25), then round the offer down to a whole pound (dollar). £1,150 left: keep £115, offer £1,035.
    £100 left: keep £25, offer £75. £30 left: keep £15, offer £15. Nothing left: offer nothing.
    The offer never falls as what is left grows, and the debtor may always choose another amount.
    """
    available = max(disposable_minor, 0)
    percent = -(-available * MARGIN_PERCENT // 100)  # rounded up: the margin is never less than 10%
    margin = max(percent, min(MARGIN_AT_LEAST, -(-available // 2)))
    offer = available - margin
    if offer >= 100:
        offer -= offer % 100
    return Suggestion(available=available, offer=max(offer, 0))


#: the lines that house a household and keep it warm and watered: rent or mortgage, energy and water (UK and US
#: statements, and the quick budget's "rent or mortgage" and "bills")
ESSENTIAL_HOME_LINES = frozenset(
    {
        "rent",
        "mortgage",
        "gas",
        "electricity",
        "other_fuel",
        "water_supply",
        "heating",
        "water_sewer_trash",
        "housing",
        "bills",
    }
)


def nothing_for_the_home_with_children(summary: BudgetSummary, household: Household | None) -> bool:
    """True when children live in the household and rent or mortgage and the home's bills are all nothing.

    That is worth a question ("Is that right?"), not a refusal: a family may live with relatives, or the
    bills may be paid by someone else, and then it is true and they go on.
    """
    if household is None or household.children < 1:
        return False
    present = [line for line in ESSENTIAL_HOME_LINES if line in summary.line_totals]
    return bool(present) and all(summary.line_totals[line] == 0 for line in present)
