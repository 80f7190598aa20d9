"""What each campaign's links led to: issued, opened, identity checked, paid, plan agreed, money collected.

Every figure is counted by the database (GROUP BY), a handful of statements a page, however many links a
campaign has. A campaign is the `campaign` name its creditor gave its links; names are per creditor. The
queries go from the creditor's debtors to their links and events by index (ix_audit_event_debtor_action), so
they stay quick even just after a bulk import, while PostgreSQL's statistics still say the tables are empty.

- Opened: links opened at least once, on the day of their first open, from the "link.opened" audit events
  (each names its link and has its time). MagicLink.last_opened_at moves with every later open (a mail
  scanner, a second look), so it would put a Monday open on Friday.
- Identity checked: links someone signed in with, on the day of the first "session.started" event naming them.
- Paid, plan agreed and amount collected are attributed: a successful payment (or a plan's agreement) counts
  for the campaign of the debtor's most recent link issued before it. A payment made before any of the
  campaign's links is not the campaign's; one made after a later campaign's link is the later campaign's.
  Paid and plan agreed count debtors, on the day of their first such payment or agreement; the amount is
  every attributed payment, by currency.
- Promise made counts promises to pay (portal.promises), each on the day it was made, attributed as payments are.
"""

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Select, and_, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.domain_errors import NotFoundForOwner
from portal.extensions import db
from portal.models import AuditEvent, Creditor, Debtor, MagicLink, Payment, Plan, Promise


@dataclass
class Figures:
    issued: int = 0
    opened: int = 0
    identity_checked: int = 0
    paid: int = 0
    plans_agreed: int = 0
    promises_made: int = 0
    #: minor units collected, by currency
    collected: dict[str, int] = field(default_factory=dict)


@dataclass
class Campaign:
    """A campaign on the list: its creditor, its name, the first and last days its links went out (the creditor's
    days), and its totals."""

    creditor: Creditor
    name: str
    first_day: date
    last_day: date
    figures: Figures


@dataclass
class Results:
    """A campaign's figures by day (the creditor's days, oldest first; only days when something happened)."""

    creditor: Creditor
    name: str
    days: list[tuple[date, Figures]]
    total: Figures

    @property
    def currencies(self) -> list[str]:
        """The currencies money came in, or the creditor's when none has yet: one column each."""
        return sorted(self.total.collected) or [self.creditor.currency]


class local_day(FunctionElement):
    """The calendar day, in time zone `tz`, of a UTC timestamp column."""

    type = Date()
    inherit_cache = True


@compiles(local_day)
def _local_day_postgresql(element, compiler, **kw):
    at, tz = element.clauses
    return f"date(timezone({compiler.process(tz, **kw)}, {compiler.process(at, **kw)}))"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    at, tz = element.clauses
    return f"portal_local_day({compiler.process(at, **kw)}, {compiler.process(tz, **kw)})"


def _sqlite_local_day(stamp: str | None, tz: str) -> str | None:
    """SQLite knows no time zones: Python's do the work, as PostgreSQL's own do there."""
    if stamp is None:
        return None
    moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz)).date().isoformat()


@event.listens_for(Engine, "connect")
def _add_sqlite_functions(connection, _record) -> None:
    if isinstance(connection, sqlite3.Connection):
        connection.create_function("portal_local_day", 2, _sqlite_local_day, deterministic=True)


# What is counted: one row a counted thing, with its creditor, its campaign and its time (`at`)


def _campaign_links(creditor_ids: list[int], name: str | None):
    """The conditions on MagicLink (joined to Debtor) for the campaigns looked at: one, or all with a name."""
    named = MagicLink.campaign == name if name is not None else MagicLink.campaign.is_not(None)
    return and_(Debtor.creditor_id.in_(creditor_ids), named)


def _issued(scope) -> Select:
    return (
        select(Debtor.creditor_id, MagicLink.campaign, MagicLink.created_at.label("at"))
        .join(Debtor, Debtor.id == MagicLink.debtor_id)
        .where(scope)
    )


def _first_event(action: str, scope) -> Select:
    """Each link with an audit event `action` naming it, at its first."""
    return (
        select(Debtor.creditor_id, MagicLink.campaign, func.min(AuditEvent.created_at).label("at"))
        .join(Debtor, Debtor.id == MagicLink.debtor_id)
        .join(
            AuditEvent,
            and_(
                AuditEvent.debtor_id == MagicLink.debtor_id,
                AuditEvent.action == action,
                AuditEvent.detail["link"].as_string() == MagicLink.public_id,
            ),
        )
        .where(scope)
        .group_by(MagicLink.id, Debtor.creditor_id, MagicLink.campaign)
    )


def _attributed(model, at, scope, *extra) -> Select:
    """Rows of `model` (a debtor's payment or plan, at time `at`) of the campaigns' debtors, each with the
    campaign of its debtor's most recent link issued before it."""
    latest = (
        select(MagicLink.campaign)
        .where(MagicLink.debtor_id == model.debtor_id, MagicLink.created_at <= at)
        .order_by(MagicLink.created_at.desc(), MagicLink.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    their_debtors = select(MagicLink.debtor_id).join(Debtor, Debtor.id == MagicLink.debtor_id).where(scope)
    return (
        select(model.debtor_id, Debtor.creditor_id, latest.label("campaign"), at.label("at"), *extra)
        .join(Debtor, Debtor.id == model.debtor_id)
        .where(at.is_not(None), model.debtor_id.in_(their_debtors))
    )


def _first_per_debtor(attributed: Select, name: str | None) -> Select:
    """Each debtor once a campaign, at their first attributed row."""
    rows = attributed.subquery()
    return (
        select(rows.c.creditor_id, rows.c.campaign, func.min(rows.c.at).label("at"))
        .where(rows.c.campaign == name if name is not None else rows.c.campaign.is_not(None))
        .group_by(rows.c.debtor_id, rows.c.creditor_id, rows.c.campaign)
    )


def _each(attributed: Select, name: str | None) -> Select:
    """Every attributed row of the campaigns, at its own time."""
    rows = attributed.subquery()
    return select(rows.c.creditor_id, rows.c.campaign, rows.c.at).where(
        rows.c.campaign == name if name is not None else rows.c.campaign.is_not(None)
    )


def _payments(scope) -> Select:
    return _attributed(Payment, Payment.succeeded_at, scope, Payment.amount, Payment.currency).where(
        Payment.status == "succeeded"
    )


def _counted(scope, name: str | None) -> dict[str, Select]:
    """The counted things of each figure but money."""
    return {
        "issued": _issued(scope),
        "opened": _first_event("link.opened", scope),
        "identity_checked": _first_event("session.started", scope),
        "paid": _first_per_debtor(_payments(scope), name),
        "plans_agreed": _first_per_debtor(_attributed(Plan, Plan.agreed_at, scope), name),
        "promises_made": _each(_attributed(Promise, Promise.made_at, scope), name),
    }


# The two views of them: totals by campaign, and one campaign by day


def campaigns_of(creditors: list[Creditor]) -> list[Campaign]:
    """Every named campaign of these creditors with its totals, the most recently issued first."""
    by_id = {creditor.id: creditor for creditor in creditors}
    scope = _campaign_links(list(by_id), None)
    figures: dict[tuple[int, str], Figures] = defaultdict(Figures)
    issued: dict[tuple[int, str], tuple[datetime, datetime]] = {}
    for figure, counted in _counted(scope, None).items():
        rows = counted.subquery()
        extra = (func.min(rows.c.at), func.max(rows.c.at)) if figure == "issued" else ()
        grouped = select(rows.c.creditor_id, rows.c.campaign, func.count(), *extra).group_by(
            rows.c.creditor_id, rows.c.campaign
        )
        for creditor_id, campaign, count, *span in db.session.execute(grouped):
            setattr(figures[creditor_id, campaign], figure, count)
            if span:
                issued[creditor_id, campaign] = tuple(span)
    payments = _payments(scope).subquery()
    money = (
        select(payments.c.creditor_id, payments.c.campaign, payments.c.currency, func.sum(payments.c.amount))
        .where(payments.c.campaign.is_not(None))
        .group_by(payments.c.creditor_id, payments.c.campaign, payments.c.currency)
    )
    for creditor_id, campaign, currency, amount in db.session.execute(money):
        figures[creditor_id, campaign].collected[currency] = int(amount)
    found = []
    for (creditor_id, name), (first, last) in issued.items():
        creditor = by_id[creditor_id]
        found.append(Campaign(creditor, name, _day(first, creditor), _day(last, creditor), figures[creditor_id, name]))
    by_name = sorted(found, key=lambda campaign: campaign.name)
    return sorted(by_name, key=lambda campaign: campaign.last_day, reverse=True)


def results_of(creditor: Creditor, name: str) -> Results:
    """One campaign's figures by day in the creditor's time zone; a name the creditor never used is not found."""
    scope = _campaign_links([creditor.id], name)
    days: dict[date, Figures] = defaultdict(Figures)
    for figure, counted in _counted(scope, name).items():
        dated = select(local_day(counted.subquery().c.at, creditor.timezone).label("day")).subquery()
        for day, count in db.session.execute(select(dated.c.day, func.count()).group_by(dated.c.day)):
            setattr(days[day], figure, count)
    if not days:
        raise NotFoundForOwner(f"no campaign {name!r} for creditor {creditor.slug}")
    payments = _payments(scope).subquery()
    dated = (
        select(local_day(payments.c.at, creditor.timezone).label("day"), payments.c.currency, payments.c.amount)
        .where(payments.c.campaign == name)
        .subquery()
    )
    money = select(dated.c.day, dated.c.currency, func.sum(dated.c.amount)).group_by(dated.c.day, dated.c.currency)
    for day, currency, amount in db.session.execute(money):
        days[day].collected[currency] = int(amount)
    ordered = sorted(days.items())
    return Results(creditor, name, ordered, total_of(figures for _day, figures in ordered))


def total_of(rows) -> Figures:
    total = Figures()
    for figures in rows:
        for name in ("issued", "opened", "identity_checked", "paid", "plans_agreed", "promises_made"):
            setattr(total, name, getattr(total, name) + getattr(figures, name))
        for currency, amount in figures.collected.items():
            total.collected[currency] = total.collected.get(currency, 0) + amount
    return total


def _day(moment: datetime, creditor: Creditor) -> date:
    return moment.astimezone(ZoneInfo(creditor.timezone)).date()
