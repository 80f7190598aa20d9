"""The budget tool's rules around the engine: saving and resuming a budget, totals, guidelines, the offer.

The arithmetic lives in portal.budget.engine (plain functions over plain data); this module loads and
saves `Budget` rows, always scoped to the signed-in debtor, and turns them into engine input. Functions
flush; the request commits once (portal.transaction).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from portal.accounts.service import accounts_for
from portal.budget.engine import (
    BudgetLine,
    BudgetSummary,
    GuidelineFlag,
    Household,
    LineFrequency,
    Suggestion,
    guideline_flags,
    nothing_for_the_home_with_children,
    pro_rata_offer,
    suggested_offer,
    summarise,
)
from portal.budget.labels import label
from portal.budget.structures import Section, Structure, load_structure
from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.models import Account, Budget, Creditor, Debtor, Plan
from portal.models.audit import record
from portal.models.plan import LIVE_STATUSES
from portal.models.types import utcnow
from portal.ownership import get_owned
from portal.plans.service import PlanError
from portal.plans.service.making import first_date_window, policy_for, submit_proposal

#: the largest amount one line may hold, in minor units: far above any real household, below any overflow
MAX_LINE_AMOUNT = 100_000_000_00


# Loading, always scoped to the debtor


def get_budget_for(debtor: Debtor, budget_id: int) -> Budget:
    """The debtor's own budget; another person's budget does not exist for them (NotFoundForOwner)."""
    return get_owned(Budget, debtor, "budget", id=budget_id)


def latest_budget_for(debtor: Debtor) -> Budget | None:
    """The budget the debtor last worked on, to offer "carry on where you left off"."""
    return db.session.scalar(
        db.select(Budget).where(Budget.debtor_id == debtor.id).order_by(Budget.updated_at.desc(), Budget.id.desc())
    )


def structure_for(budget: Budget) -> Structure:
    """The sections this budget is filled in against: the full statement or its quick version."""
    full = load_structure(budget.jurisdiction)
    return full.quick if budget.mode == "quick" else full


def section_at(structure: Structure, position: int) -> Section:
    """The section at a 1-based position (as in "Step 2 of 18"); a step the budget doesn't have is not found."""
    if not 1 <= position <= len(structure.sections):
        raise NotFoundForOwner(f"No step {position} in a budget of {len(structure.sections)} steps.")
    return structure.sections[position - 1]


def household_of(budget: Budget) -> Household | None:
    if budget.adults is None:
        return None
    return Household(adults=budget.adults, children=budget.children or 0, vehicles=budget.vehicles or 0)


def lines_of(budget: Budget) -> dict[str, BudgetLine]:
    """The saved lines as engine input; a line the structure no longer has is left out rather than refused."""
    known = {line.id for section in structure_for(budget).sections for line in section.lines}
    return {
        line_id: BudgetLine(line_id, int(saved["amount"]), LineFrequency(saved["frequency"]))
        for line_id, saved in (budget.lines or {}).items()
        if line_id in known
    }


# Changing a budget


def start_budget(debtor: Debtor, mode: str) -> Budget:
    """A new, empty budget in the creditor's jurisdiction and currency."""
    creditor = debtor.creditor
    budget = Budget(
        debtor_id=debtor.id,
        jurisdiction=creditor.jurisdiction,
        currency=creditor.currency,
        mode=mode,
        lines={},
        explanations={},
    )
    db.session.add(budget)
    db.session.flush()
    record("budget.started", actor_type="debtor", actor_id=debtor.id, debtor_id=debtor.id, budget=budget.id, mode=mode)
    return budget


def save_household(budget: Budget, household: Household) -> None:
    budget.adults, budget.children, budget.vehicles = household.adults, household.children, household.vehicles
    budget.updated_at = utcnow()
    _audit_change(budget, "household")


def save_lines(budget: Budget, sections: Iterable[Section], entered: Mapping[str, BudgetLine], *, reached: int) -> None:
    """Replace the lines of these sections with what was entered; a blank or zero line is not kept.

    ``reached`` is how many sections of the statement are now done, so the debtor resumes after them.
    """
    replaced = {line.id for section in sections for line in section.lines}
    kept = {line_id: saved for line_id, saved in (budget.lines or {}).items() if line_id not in replaced}
    for line in entered.values():
        if line.amount_minor > 0:
            kept[line.line_id] = {"amount": line.amount_minor, "frequency": str(line.frequency)}
    budget.lines = kept
    budget.sections_done = max(budget.sections_done, reached)
    budget.updated_at = utcnow()
    _audit_change(budget, "lines")


def save_explanations(budget: Budget, explanations: Mapping[str, str]) -> None:
    budget.explanations = (budget.explanations or {}) | dict(explanations)
    budget.updated_at = utcnow()
    _audit_change(budget, "explanations")


def mark_complete(budget: Budget, summary: BudgetSummary) -> None:
    """The first time the debtor sees the result: note it, with the totals the creditor will see."""
    if budget.completed_at is not None:
        return
    budget.completed_at = utcnow()
    record(
        "budget.completed",
        actor_type="debtor",
        actor_id=budget.debtor_id,
        debtor_id=budget.debtor_id,
        budget=budget.id,
        income=summary.income_total,
        outgoings=summary.outgoings_total,
        disposable=summary.disposable,
    )


def needs_essentials_check(budget: Budget, summary: BudgetSummary) -> bool:
    """Ask "Is that right?" before the result: nothing for rent, mortgage or bills with children at home, not yet
    confirmed. A question, never a block: saying yes goes on to the result."""
    return budget.essentials_confirmed_at is None and nothing_for_the_home_with_children(summary, household_of(budget))


def confirm_essentials(budget: Budget) -> None:
    """The debtor says it is right that they pay nothing for their home: noted, and not asked again."""
    budget.essentials_confirmed_at = utcnow()
    _audit_change(budget, "essentials_confirmed")


def _audit_change(budget: Budget, part: str) -> None:
    record(
        "budget.updated",
        actor_type="debtor",
        actor_id=budget.debtor_id,
        debtor_id=budget.debtor_id,
        budget=budget.id,
        part=part,
    )


# Where to carry on


@dataclass(frozen=True)
class Step:
    """A page of the budget: "household", "quick", "section" (with its position), "explain" or "result"."""

    name: str
    position: int | None = None


def resume_step(budget: Budget) -> Step:
    """Where a debtor coming back carries on: the first step not yet done, or the result."""
    if budget.completed_at is not None:
        return Step("result")
    if household_of(budget) is None:
        return Step("household")
    if budget.mode == "quick":
        return Step("quick") if budget.sections_done == 0 else Step("result")
    count = len(structure_for(budget).sections)
    if budget.sections_done < count:
        return Step("section", budget.sections_done + 1)
    return Step("result")


def step_count(budget: Budget) -> int:
    """How many steps "Step n of m" counts: the household, then one per section (the quick budget is one)."""
    return 2 if budget.mode == "quick" else 1 + len(structure_for(budget).sections)


# Totals and guidelines


def summary_of(
    budget: Budget, entered: Mapping[str, BudgetLine] | None = None, sections: Iterable[Section] = ()
) -> BudgetSummary:
    """Monthly totals of the saved budget, or of the saved budget with these sections as just typed."""
    lines = lines_of(budget)
    if entered is not None:
        for section in sections:
            for line in section.lines:
                lines.pop(line.id, None)
        lines.update(entered)
    return summarise(structure_for(budget), lines.values())


def guidelines_of(creditor: Creditor) -> Mapping[str, Mapping[str, int]]:
    """The creditor's guideline figures, ``{line_or_section_id: {household_key: monthly_minor}}``; we ship none."""
    return (creditor.policy or {}).get("budget_guidelines") or {}


def flags_for(budget: Budget, summary: BudgetSummary, creditor: Creditor) -> list[GuidelineFlag]:
    """Amounts above the creditor's guideline for this household (none without a household or figures)."""
    household = household_of(budget)
    guidelines = guidelines_of(creditor)
    if household is None or not guidelines:
        return []
    return guideline_flags(summary, guidelines, household)


def unexplained(budget: Budget, flags: Iterable[GuidelineFlag]) -> list[GuidelineFlag]:
    """Flags the debtor has not yet explained: they are asked before they see the result."""
    explanations = budget.explanations or {}
    return [flag for flag in flags if not (explanations.get(flag.item_id) or "").strip()]


def item_labels(structure: Structure) -> dict[str, str]:
    """Every section and line id of a structure with its label in the reader's language."""
    labels = {}
    for section in structure.sections:
        labels[section.id] = label(section.label)
        for line in section.lines:
            labels[line.id] = label(line.label)
    return labels


# Where the money goes (the result page's chart and table)


@dataclass(frozen=True)
class Slice:
    label: str
    monthly: int
    #: True for "left over", drawn apart from the spending
    left_over: bool = False


def where_the_money_goes(structure: Structure, summary: BudgetSummary) -> list[Slice]:
    """Monthly outgoings by section, largest first, then what is left over (if anything).

    The quick budget has one section of outgoings, so its lines are shown instead.
    """
    outgoing = [section for section in structure.sections if section.kind.is_outgoing]
    if structure.estimate:
        items = [(line.label, summary.line_totals[line.id]) for section in outgoing for line in section.lines]
    else:
        items = [(section.label, summary.section_totals[section.id]) for section in outgoing]
    slices = [Slice(label(text), amount) for text, amount in items if amount > 0]
    slices.sort(key=lambda item: -item.monthly)
    if summary.disposable > 0:
        slices.append(Slice(_("Left over"), summary.disposable, left_over=True))
    return slices


# The offer


@dataclass(frozen=True)
class Share:
    account: Account
    balance: int
    #: this account's part of the monthly offer, in minor units
    monthly: int


@dataclass(frozen=True)
class Offer:
    """What the debtor offers each month, shared across their open accounts pro rata to the balances."""

    currency: str
    #: money left each month (income - outgoings); zero or less means nothing to offer
    available: int
    #: what we suggest offering, keeping a margin for the unexpected (engine.suggested_offer)
    suggestion: Suggestion
    #: the monthly amount shared out: the debtor's own choice, or the suggestion
    chosen: int
    shares: list[Share]

    @property
    def total(self) -> int:
        return sum(share.monthly for share in self.shares)

    @property
    def total_balance(self) -> int:
        return sum(share.balance for share in self.shares)

    @property
    def possible(self) -> bool:
        return self.total > 0


def offer_for(debtor: Debtor, budget: Budget, summary: BudgetSummary, monthly: int | None = None) -> Offer:
    """The affordable offer: `monthly` (the debtor's own amount) or the suggestion, which keeps a margin back,
    shared so every open account with something owed, in the budget's currency, gets balance ÷ total × amount
    (shares add up exactly; see engine.pro_rata_offer)."""
    owed = [
        (account, balance)
        for account, balance in accounts_for(debtor)
        if account.status == "open" and balance > 0 and account.currency == budget.currency
    ]
    suggestion = suggested_offer(summary.disposable)
    chosen = suggestion.offer if monthly is None else monthly
    shares = pro_rata_offer(chosen, {account.id: balance for account, balance in owed})
    return Offer(
        currency=budget.currency,
        available=summary.disposable,
        suggestion=suggestion,
        chosen=chosen,
        shares=[Share(account, balance, shares[account.id]) for account, balance in owed],
    )


def offer_amount_problem(offer: Offer, monthly: int) -> str | None:
    """Why the debtor can't offer this much each month: "not_positive", or "over_available" (more than the
    budget leaves); None when they can."""
    if monthly < 1:
        return "not_positive"
    if monthly > offer.available:
        return "over_available"
    return None


# Proposing the offer as plans


def offer_to_propose(debtor: Debtor, budget: Budget, monthly: int | None = None) -> Offer | None:
    """The offer of `monthly` (or the suggestion), once the budget is finished, explained and checked and
    leaves something to pay; else None."""
    if resume_step(budget).name != "result":
        return None
    summary = summary_of(budget)
    if unexplained(budget, flags_for(budget, summary, debtor.creditor)) or needs_essentials_check(budget, summary):
        return None
    offer = offer_for(debtor, budget, summary, monthly)
    if monthly is not None and offer_amount_problem(offer, monthly):
        return None
    return offer if offer.possible else None


def suggested_first_date(debtor: Debtor) -> date:
    """A week from today where the debtor lives, or the latest first date the creditor's rules allow."""
    today, latest = first_date_window(debtor, policy_for(debtor))
    return min(today + timedelta(days=7), latest)


@dataclass(frozen=True)
class Sent:
    """What happened to one account's proposal: a plan, or why none was made (PlanError's code)."""

    share: Share
    plan: Plan | None = None
    problem: str | None = None


def send_proposals(debtor: Debtor, budget: Budget, offer: Offer, first: date) -> list[Sent]:
    """Propose each account's share of the offer as a monthly plan, with the budget for the reviewer.

    The plans rules decide each one (accepted at once, or sent to a person). An account whose share
    rounds to nothing, or that already has a plan being paid, gets no proposal and says why.
    """
    results = []
    for share in offer.shares:
        if share.monthly <= 0:
            results.append(Sent(share, problem="too_small"))
            continue
        try:
            plan = submit_proposal(debtor, share.account, share.monthly, "monthly", first, budget=budget)
        except PlanError as error:
            results.append(Sent(share, problem=error.code))
        else:
            results.append(Sent(share, plan=plan))
    record(
        "budget.proposed",
        actor_type="debtor",
        actor_id=debtor.id,
        debtor_id=debtor.id,
        budget=budget.id,
        plans=[result.plan.reference for result in results if result.plan is not None],
    )
    return results


def proposals_from(debtor: Debtor, budget: Budget) -> list[Plan]:
    """The plans proposed from this budget that still stand, oldest first."""
    return list(
        db.session.scalars(
            db.select(Plan)
            .where(Plan.budget_id == budget.id, Plan.debtor_id == debtor.id, Plan.status.in_(LIVE_STATUSES))
            .order_by(Plan.id)
        )
    )
