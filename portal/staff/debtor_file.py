"""Everything the console's debtor page shows, gathered for one staff user about one of their creditors' debtors.

The caller loads the debtor through portal.staff.access (another creditor's debtor is not found), so every
query here is scoped by the debtor's id. The page reads what the debtor pages and the CLI read, from the same
services; only what a staff role may see of a disclosure is decided per role (circumstances.visible_to), and
showing health details is recorded in the audit trail, because the debtor can see who read them.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import clock
from portal.accounts import ledger
from portal.accounts.service import Itemization, itemization_of, standings_for
from portal.budget import service as budgets
from portal.budget.engine import BudgetSummary, GuidelineFlag
from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.gate import Standing
from portal.help.contact import CHANNELS, ContactSettings
from portal.help.service import circumstances, messages
from portal.help.service.call_backs import call_backs_of
from portal.help.service.contact import reachable, reminders_paused_until, settings_for
from portal.models import (
    Account,
    AuditEvent,
    Budget,
    CallBack,
    Circumstance,
    ContactPreference,
    Debtor,
    Dispute,
    Hold,
    LinkRequest,
    MagicLink,
    MessageThread,
    OutboundMessage,
    Payment,
    Plan,
    StaffUser,
)
from portal.models.audit import record
from portal.models.dispute import OPEN_DISPUTE_STATUSES
from portal.models.promise import Promise
from portal.plans.service.progress import Progress, payments_by_plan, progress
from portal.promises.service import promises_of
from portal.staff.access import Permission, may, their_creditors

#: the audit trail shows this many events, newest first
AUDIT_LIMIT = 50
#: the links shown (a debtor of a bulk campaign may have one a month for years)
LINK_LIMIT = 20
#: the latest outgoing messages shown (the records are kept for the retention period)
MESSAGE_LIMIT = 50
#: the ledger is shown a page at a time, as on the debtor's own account page
LEDGER_PAGE = 20

#: a personal link in a message's words: a notice the outbox put in the portal may carry one (portal.outbox)
_LINK = re.compile(r"\S*/l/[\w.~-]+")

#: each audit action in plain words; an action not named here is shown as recorded
ACTION_WORDS = {
    "staff.opened_debtor": _l("Opened their page in the console"),
    "staff.opened_statement": _l("Opened a statement of their account in the console"),
    "link.issued": _l("A link was issued"),
    "link.opened": _l("A link was opened"),
    "link.locked": _l("A link locked after wrong answers"),
    "link.revoked": _l("A link was revoked"),
    "link.new_requested": _l("Asked for a new link"),
    "link.sent_by_staff": _l("A new link was sent from the console"),
    "identity.failed": _l("Wrong answer to the identity question"),
    "session.started": _l("Signed in"),
    "session.quick_exit": _l("Left quickly (quick exit)"),
    "payment.started": _l("Started a payment"),
    "payment.succeeded": _l("A payment went through"),
    "payment.failed": _l("A payment failed"),
    "plan.chosen": _l("Chose a plan"),
    "plan.proposed": _l("Proposed a plan"),
    "plan.agreed": _l("Agreed a plan"),
    "plan.activated": _l("A plan started"),
    "plan.pays_by_chosen": _l("Chose how to pay a plan"),
    "plan.pays_by_changed": _l("Saved a card to pay a plan they paid themselves"),
    "plan.cancelled": _l("A plan was cancelled"),
    "plan.withdrawn": _l("A plan was replaced"),
    "plan.card_changed": _l("Changed the card for a plan"),
    "plan.payment_day_changed": _l("Changed a plan's payment day"),
    "plan.instalments_reduced": _l("Plan instalments reduced"),
    "plan.pause_requested": _l("Asked to pause a plan"),
    "plan.approved": _l("A person accepted a proposal"),
    "plan.declined": _l("A person declined a proposal"),
    "plan.pause_approved": _l("A person agreed a pause"),
    "plan.pause_declined": _l("A person declined a pause"),
    "instalment.reminded": _l("Reminded of a payment"),
    "instalment.retry_scheduled": _l("A declined payment will be tried again"),
    "budget.started": _l("Started a budget"),
    "budget.updated": _l("Changed a budget"),
    "budget.completed": _l("Finished a budget"),
    "budget.proposed": _l("Sent a proposal from a budget"),
    "dispute.opened": _l("Disputed a debt"),
    "original_creditor.requested": _l("Asked for the original creditor"),
    "statute_barred.claimed": _l("Said a debt is statute-barred"),
    "dispute.resolved": _l("A dispute was resolved"),
    "dispute.delivered": _l("A dispute's answer was delivered"),
    "dispute.attachment_opened": _l("Opened a dispute's attachment"),
    "circumstances.disclosed": _l("Told us about their circumstances"),
    "circumstances.consent_withdrawn": _l("Withdrew consent to keep their words"),
    "circumstances.reviewed": _l("A person reviewed their circumstances"),
    "circumstances.details_shown": _l("Health details were shown to staff"),
    "hold.started": _l("A hold started"),
    "hold.ended": _l("A hold ended"),
    "message.sent": _l("Sent a message"),
    "callback.requested": _l("Asked for a call back"),
    "callback.cancelled": _l("Cancelled a call back"),
    "callback.done": _l("A call back was made"),
    "message.replied": _l("Staff replied to a message"),
    "message.notice": _l("A notice was posted in their messages"),
    "preferences.changed": _l("Changed contact preferences"),
    "privacy.data_downloaded": _l("Downloaded their data"),
    "staff.view_started": _l("Staff started viewing as them"),
    "staff.view_ended": _l("Staff stopped viewing as them"),
    "staff.viewed": _l("Staff saw a page as them"),
    "staff.acted_for_debtor": _l("Staff acted on their behalf"),
    "staff.refused": _l("Staff were refused an action while viewing"),
    "helper.invited": _l("Asked someone they trust to help"),
    "helper.renewed": _l("Renewed a helper's access"),
    "helper.ended": _l("A helper's access ended"),
    "helper.code_sent": _l("A helper asked for a sign-in code"),
    "helper.code_wrong": _l("A helper typed a wrong code"),
    "helper.signed_in": _l("A helper signed in"),
    "helper.viewed": _l("A helper saw a page"),
    "helper.acted": _l("A helper acted on their behalf"),
    "helper.refused": _l("A helper was refused"),
    "helper.left": _l("A helper left their account"),
}
ACTOR_WORDS = {
    "debtor": _l("The debtor"),
    "creditor": _l("The creditor"),
    "system": _l("The portal"),
    "helper": _l("Their helper"),
}


@dataclass(frozen=True)
class AccountFile:
    account: Account
    itemization: Itemization
    standing: Standing
    #: the ledger, newest first, a page at a time
    history: ledger.HistoryPage
    #: where this page of the ledger starts ("<date>.<id>"), None for the newest
    older_than: str | None


@dataclass(frozen=True)
class BudgetFile:
    """The budget a proposal was made from, as the person deciding needs it."""

    budget: Budget
    summary: BudgetSummary
    #: (label, monthly total) of each section, in the statement's order
    sections: list[tuple[str, int]]
    #: amounts above the creditor's guideline, with what the debtor said about each
    flags: list[tuple[str, GuidelineFlag, str | None]]


@dataclass(frozen=True)
class Disclosure:
    """One disclosure as this staff user's role may see it."""

    circumstance: Circumstance
    #: the kinds this role may read (health kinds only where allowed)
    kinds: list[str]
    #: something is about their health that this role may not see
    health_hidden: bool
    #: the debtor's own words, where this role may read them (None: none kept, or not for this role)
    details: str | None
    details_hidden: bool


@dataclass(frozen=True)
class AuditLine:
    event: AuditEvent
    actor: str
    action: str


@dataclass(frozen=True)
class DebtorFile:
    accounts: list[AccountFile]
    #: balances by currency, over every account
    totals: dict[str, int]
    payments: list[Payment]
    plans: list[Plan]
    #: each plan's payments as the ledger has them (the day an instalment was really paid, extra payments)
    plan_progress: dict[int, Progress]
    #: proposals (plans from the debtor's own amount), newest first, with the budget each was made from
    proposals: list[tuple[Plan, BudgetFile | None]]
    disputes: list[Dispute]
    disclosures: list[Disclosure]
    #: the parts of a disclosure this staff user's role may see (circumstances.visible_to)
    disclosure_fields: frozenset[str]
    holds: list[Hold]
    threads: list[MessageThread]
    #: every call back they asked for, the latest slot first
    call_backs: list[CallBack]
    contact: ContactSettings
    contact_saved: ContactPreference | None
    #: channel -> whether we have an address for it we may use
    channels: dict[str, bool]
    #: reminders stop for a while after a disclosure: until then, if that is now
    reminders_paused_until: datetime | None
    links: list[MagicLink]
    link_requests: list[LinkRequest]
    #: the messages with a new link sent from the console, newest first
    links_sent: list[OutboundMessage]
    #: every email and text we queued for them, newest first: what went, by what, and what became of it
    messages_sent: list[OutboundMessage]
    audit: list[AuditLine]
    #: what an agent on the phone must know at once (a hold, an open dispute, a disclosure)
    flags: list[str]
    #: promises to pay, newest first (portal.promises)
    promises: list[Promise] = field(default_factory=list)


def gather(staff: StaffUser, debtor: Debtor, *, ledger_account: int | None = None, before: str | None = None):
    """The whole page. `before` pages the ledger of the account `ledger_account`; the others show their latest."""
    today = clock.today_for(debtor)
    accounts = list(db.session.scalars(select(Account).where(Account.debtor_id == debtor.id).order_by(Account.id)))
    standings = standings_for(debtor, accounts)
    account_files = []
    for account in accounts:
        older_than = before if account.id == ledger_account else None
        account_files.append(
            AccountFile(
                account=account,
                itemization=itemization_of(account),
                standing=standings[account.id],
                history=ledger.history(account, before=older_than, size=LEDGER_PAGE),
                older_than=older_than,
            )
        )
    totals: dict[str, int] = {}
    for account_file in account_files:
        currency = account_file.account.currency
        totals[currency] = totals.get(currency, 0) + account_file.itemization.balance
    plans = _newest_first(Plan, debtor)
    paid = payments_by_plan(plans)
    disputes = _newest_first(Dispute, debtor)
    holds = _newest_first(Hold, debtor)
    fields = disclosure_fields(staff)
    disclosures = [_disclosure(circumstance, fields) for circumstance in circumstances.circumstances_of(debtor)]
    _audit_health_shown(staff, disclosures)
    settings = settings_for(debtor)
    return DebtorFile(
        accounts=account_files,
        totals=totals,
        payments=_newest_first(Payment, debtor),
        plans=plans,
        plan_progress={plan.id: progress(plan, paid.get(plan.id, [])) for plan in plans},
        proposals=[(plan, budget_file(debtor, plan)) for plan in plans if plan.source in ("proposal", "budget")],
        disputes=disputes,
        disclosures=disclosures,
        disclosure_fields=fields,
        holds=holds,
        threads=messages.threads_for(debtor),
        call_backs=call_backs_of(debtor),
        contact=settings,
        contact_saved=db.session.scalar(select(ContactPreference).where(ContactPreference.debtor_id == debtor.id)),
        channels={channel: reachable(debtor, channel) for channel in CHANNELS},
        reminders_paused_until=reminders_paused_until(debtor, clock.now()),
        links=list(
            db.session.scalars(
                select(MagicLink)
                .where(MagicLink.debtor_id == debtor.id)
                .order_by(MagicLink.created_at.desc(), MagicLink.id.desc())
                .limit(LINK_LIMIT)
            )
        ),
        link_requests=_newest_first(LinkRequest, debtor),
        links_sent=list(
            db.session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.debtor_id == debtor.id, OutboundMessage.template == "link.new")
                .order_by(OutboundMessage.id.desc())
                .limit(LINK_LIMIT)
            )
        ),
        messages_sent=list(
            db.session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.debtor_id == debtor.id)
                .order_by(OutboundMessage.id.desc())
                .limit(MESSAGE_LIMIT)
            )
        ),
        audit=audit_trail(debtor),
        flags=_flags(holds, disputes, disclosures, today),
        promises=promises_of(debtor),
    )


def _newest_first(model, debtor: Debtor) -> list:
    return list(
        db.session.scalars(
            select(model).where(model.debtor_id == debtor.id).order_by(model.created_at.desc(), model.id.desc())
        )
    )


def _flags(holds: list[Hold], disputes: list[Dispute], disclosures: list[Disclosure], today: date) -> list[str]:
    flags = []
    if any(hold.finished_at is None and hold.covers(today) for hold in holds):
        flags.append(str(_l("On hold")))
    if any(dispute.status in OPEN_DISPUTE_STATUSES for dispute in disputes):
        flags.append(str(_l("Dispute open")))
    if disclosures:
        flags.append(str(_l("Told us about their circumstances: take care")))
    return flags


def budget_file(debtor: Debtor, plan: Plan) -> BudgetFile | None:
    """The budget a proposal came from, summarised; None when it was proposed without one."""
    if plan.budget_id is None:
        return None
    budget = budgets.get_budget_for(debtor, plan.budget_id)
    summary = budgets.summary_of(budget)
    structure = budgets.structure_for(budget)
    labels = budgets.item_labels(structure)
    explanations = budget.explanations or {}
    return BudgetFile(
        budget=budget,
        summary=summary,
        sections=[(labels[section.id], summary.section_totals[section.id]) for section in structure.sections],
        flags=[
            (labels.get(flag.item_id, flag.item_id), flag, explanations.get(flag.item_id))
            for flag in budgets.flags_for(budget, summary, debtor.creditor)
        ],
    )


def disclosure_fields(staff: StaffUser) -> frozenset[str]:
    """What this staff user may see of a disclosure: health only with the right to review circumstances
    (a supervisor's or an admin's), as circumstances.visible_to says for the reviewing role."""
    role = "supervisor" if may(staff, Permission.REVIEW_CIRCUMSTANCES) else "agent"
    return circumstances.visible_to(role)


def _disclosure(circumstance: Circumstance, fields: frozenset[str]) -> Disclosure:
    health = bool(circumstances.HEALTH_KINDS & set(circumstance.kinds or []))
    may_read_words = "details" in fields
    return Disclosure(
        circumstance=circumstance,
        kinds=circumstances.kinds_visible(circumstance.kinds or [], fields),
        health_hidden=health and "health_kinds" not in fields,
        details=circumstance.details if may_read_words else None,
        details_hidden=bool(circumstance.details) and not may_read_words,
    )


def _audit_health_shown(staff: StaffUser, disclosures: list[Disclosure]) -> None:
    """Each disclosure whose health kinds or own words the page shows is recorded as read by this person."""
    for disclosure in disclosures:
        kinds = set(disclosure.kinds)
        if disclosure.details or kinds & circumstances.HEALTH_KINDS:
            circumstances.details_shown(disclosure.circumstance, staff_name=staff.first_name)


def audit_trail(debtor: Debtor) -> list[AuditLine]:
    """The latest AUDIT_LIMIT events about the debtor, newest first, each with who did what in plain words."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.debtor_id == debtor.id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_LIMIT)
    )
    return [AuditLine(event, _actor(event), str(ACTION_WORDS.get(event.action, event.action))) for event in events]


def _actor(event: AuditEvent) -> str:
    detail = event.detail or {}
    if event.actor_type != "staff":
        return str(ACTOR_WORDS.get(event.actor_type, event.actor_type))
    name = detail.get("staff_name") or detail.get("by")
    if detail.get("on_behalf"):
        return str(_l("%(name)s (staff), for the debtor", name=name or "?"))
    return str(_l("%(name)s (staff)", name=name)) if name else str(_l("Staff"))


def dispute_for_staff(staff: StaffUser, reference: str) -> Dispute:
    """A dispute of one of the staff user's creditors' debtors; any other is not found."""
    dispute = db.session.scalar(
        select(Dispute)
        .join(Debtor, Debtor.id == Dispute.debtor_id)
        .where(Dispute.reference == reference.upper(), their_creditors(staff))
    )
    if dispute is None:
        raise NotFoundForOwner(f"no dispute {reference!r} for staff user {staff.id}")
    return dispute


def attachment_opened(staff: StaffUser, dispute: Dispute) -> None:
    """Record that a person opened what the debtor sent: it may hold health or bank details."""
    record(
        "dispute.attachment_opened",
        actor_type="staff",
        actor_id=staff.id,
        debtor_id=dispute.debtor_id,
        staff_name=staff.first_name,
        staff_role=staff.role,
        reference=dispute.reference,
        sha256=dispute.attachment_sha256,
    )


def without_links(body: str) -> str:
    """A message as staff may read it: a personal sign-in link in it is replaced by words, so nobody but the
    debtor ever holds one (with a postcode on screen, a link is a way in)."""
    return _LINK.sub(str(_l("[their personal link, hidden]")), body)
