"""Checked rows into the database in bulk: debtors and accounts created or updated by the creditor's
references, each account's itemization once, and one link per debtor. Plain functions; the command's unit
of work per batch commits.

Rows go to the database as plain dicts, a statement per table per batch (as `issue_links` and
`record_many` do): an ORM object per row would cost more than everything else together. New rows' ids are
read back by their references rather than returned by the INSERT: with RETURNING, SQLAlchemy sends a batch as
one statement of a thousand VALUES, and psycopg spent longer parsing that text than the database took to
insert the rows (18 of 47 s for 20,000 rows). What the
database already holds for the file's references is read once, before anything is written, so that an
unchanged row writes nothing and the file's rows are all checked against it first.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, insert, select, text, update

from portal.extensions import db
from portal.imports.rows import DEBTOR_FIELDS, AccountRow, Rejected
from portal.links import service as links
from portal.models import Account, Creditor, Debtor, LedgerEntry, MagicLink
from portal.models.account import LedgerKind
from portal.models.audit import record

#: the account's columns a row sets (currency and status are the portal's, not the file's)
ACCOUNT_FIELDS = (
    "description",
    "description_translations",
    "original_creditor",
    "original_reference",
    "itemization_date",
    "itemization_creditor",
    "current_creditor",
    "monthly_interest",
)
#: the model's attribute for a row's field, where their names differ (the account's description as the
#: creditor sent it: `Account.description` is that or a translation, by the language being drawn in)
_ATTRIBUTES = {"description": "description_text"}
#: references looked up per statement (well under SQLite's limit on bound parameters)
_LOOKUP = 1000


def refresh_statistics() -> None:
    """Once the first batch is in: PostgreSQL plans the batches' lookups by reference from its statistics, and
    for tables that were empty (a first import, before autovacuum gets there) it had none. It then chose to read
    every one of the creditor's debtors and compare each with a batch's 1,000 references: 0.6 s a lookup at
    30,000 debtors, most of a 100,000-row import's time. With statistics it probes the unique index (4 ms), and
    as the tables grow it scales the estimates by their size."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE debtor, account, ledger_entry, magic_link"))


class Known(NamedTuple):
    id: int
    fields: tuple
    #: accounts only: the sum of its itemization entries, None when the ledger has none yet
    itemized: int | None = None


@dataclass
class Existing:
    """What the database holds for a file's references."""

    #: debtor reference -> the debtor
    debtors: dict[str, Known] = field(default_factory=dict)
    #: (debtor reference, account reference) -> the account
    accounts: dict[tuple[str, str], Known] = field(default_factory=dict)


@dataclass
class Counts:
    debtors_added: int = 0
    debtors_updated: int = 0
    accounts_added: int = 0
    accounts_updated: int = 0
    itemizations: int = 0
    links_issued: int = 0
    links_reused: int = 0

    def add(self, other: "Counts") -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class LinkOut(NamedTuple):
    """A line of LINKS.csv (before its QR code is drawn)."""

    debtor_reference: str
    full_name: str
    url: str
    short_code: str
    short_url: str
    expires_at: datetime


def itemization_ref(account_id: int) -> str:
    """The external_ref of an account's itemization entry: one per account, so a re-run can't add another."""
    return f"itemization:{account_id}"


def existing(creditor: Creditor, rows: Sequence[AccountRow]) -> Existing:
    """The creditor's debtors and accounts that the rows name, a thousand references a statement."""
    found = Existing()
    references = list(dict.fromkeys(row.debtor_reference for row in rows))
    debtor_columns = [getattr(Debtor, name) for name in DEBTOR_FIELDS]
    account_columns = [getattr(Account, _ATTRIBUTES.get(name, name)) for name in ACCOUNT_FIELDS]
    itemized = (
        select(func.sum(LedgerEntry.amount))
        .where(LedgerEntry.account_id == Account.id, LedgerEntry.kind == LedgerKind.ITEMIZATION)
        .scalar_subquery()
    )
    for start in range(0, len(references), _LOOKUP):
        chunk = references[start : start + _LOOKUP]
        mine = (Debtor.creditor_id == creditor.id, Debtor.reference.in_(chunk))
        for debtor in db.session.execute(select(Debtor.id, Debtor.reference, *debtor_columns).where(*mine)):
            found.debtors[debtor.reference] = Known(debtor.id, tuple(debtor[2:]))
        accounts = db.session.execute(
            select(Account.id, Debtor.reference, Account.reference, itemized, *account_columns)
            .join(Debtor, Debtor.id == Account.debtor_id)
            .where(*mine)
        )
        for account in accounts:
            found.accounts[account[1], account[2]] = Known(account.id, tuple(account[4:]), account[3])
    return found


def conflicts(rows: Sequence[AccountRow], found: Existing) -> list[Rejected]:
    """Rows whose itemization differs from the one the ledger already holds for the account: the ledger is
    never rewritten, so a correction is a ledger item of its own (the API's), not a changed file."""
    rejected = []
    for row in rows:
        account = found.accounts.get((row.debtor_reference, row.account_reference))
        if account is None or account.itemized is None:
            continue
        recorded_date = account.fields[ACCOUNT_FIELDS.index("itemization_date")]
        if account.itemized != row.itemization_amount:
            reason = "differs from the itemization the account's ledger already holds; post a correcting item instead"
            rejected.append(Rejected(row.line, "itemization_amount", reason, row.values))
        elif recorded_date != row.itemization_date:
            reason = f"differs from the account's itemization date, {recorded_date.isoformat()}"
            rejected.append(Rejected(row.line, "itemization_date", reason, row.values))
    return rejected


def batches(rows: Sequence[AccountRow], size: int) -> Iterator[list[AccountRow]]:
    """About `size` rows at a time, never splitting a debtor's rows (their link goes with the last)."""
    batch: list[AccountRow] = []
    for _, debtor_rows in groupby(sorted(rows, key=lambda row: row.debtor_reference), lambda row: row.debtor_reference):
        batch.extend(debtor_rows)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load(creditor: Creditor, rows: Sequence[AccountRow], found: Existing) -> tuple[dict[str, int], Counts]:
    """Store one batch: returns the id of each of its debtors by reference, and what changed."""
    counts = Counts()
    debtor_ids = _debtors(creditor, rows, found, counts)
    account_ids = _accounts(creditor, rows, found, debtor_ids, counts)
    entries = [
        {
            "account_id": account_ids[row.debtor_reference, row.account_reference],
            "kind": LedgerKind.ITEMIZATION.value,
            "amount": row.itemization_amount,
            "effective_date": row.itemization_date,
            "description": None,
            "external_ref": itemization_ref(account_ids[row.debtor_reference, row.account_reference]),
        }
        for row in rows
        if _itemized(found, row) is None
    ]
    if entries:
        db.session.execute(insert(LedgerEntry), entries)
    counts.itemizations = len(entries)
    if counts.debtors_added or counts.debtors_updated or counts.accounts_added or counts.accounts_updated:
        record("accounts.imported", actor_type="creditor", actor_id=creditor.id, **vars(counts))
    return debtor_ids, counts


def _itemized(found: Existing, row: AccountRow) -> int | None:
    account = found.accounts.get((row.debtor_reference, row.account_reference))
    return account.itemized if account else None


def _debtors(creditor: Creditor, rows: Sequence[AccountRow], found: Existing, counts: Counts) -> dict[str, int]:
    new, changed, ids = [], [], {}
    firsts = {}  # rows of one debtor agree on the debtor
    for row in rows:
        firsts.setdefault(row.debtor_reference, row)
    for reference, row in firsts.items():
        known = found.debtors.get(reference)
        if known is None:
            new.append({"creditor_id": creditor.id, "reference": reference, **row.debtor()})
            continue
        ids[reference] = known.id
        fields = _updated_debtor(dict(zip(DEBTOR_FIELDS, known.fields, strict=True)), row.debtor())
        if known.fields != tuple(fields.values()):
            changed.append({"id": known.id, **fields})
    if new:
        db.session.execute(insert(Debtor), new)
        ids |= links.debtor_ids(creditor, [debtor["reference"] for debtor in new])
    if changed:
        db.session.execute(update(Debtor), changed)
    counts.debtors_added, counts.debtors_updated = len(new), len(changed)
    return ids


def _updated_debtor(stored: dict, written: dict) -> dict:
    """A known debtor's details after the row: a blank column keeps what is stored (a file without emails
    erases none), and the language the debtor chose on the portal is theirs (portal.help.service.preferences)."""
    return {
        name: stored[name] if value is None or (name == "locale" and stored[name]) else value
        for name, value in written.items()
    }


def _accounts(
    creditor: Creditor, rows: Sequence[AccountRow], found: Existing, debtor_ids: dict[str, int], counts: Counts
) -> dict[tuple[str, str], int]:
    """The id of each row's account by (debtor reference, account reference)."""
    new, changed, ids = [], [], {}
    for row in rows:
        fields = {_ATTRIBUTES.get(name, name): getattr(row, name) for name in ACCOUNT_FIELDS}
        known = found.accounts.get((row.debtor_reference, row.account_reference))
        if known is None:
            debtor_id = debtor_ids[row.debtor_reference]
            new.append({"debtor_id": debtor_id, "reference": row.account_reference, "currency": creditor.currency})
            new[-1] |= fields
            continue
        ids[row.debtor_reference, row.account_reference] = known.id
        if known.fields != tuple(fields.values()):
            changed.append({"id": known.id, **fields})
    if new:
        db.session.execute(insert(Account), new)
        references = {debtor_id: reference for reference, debtor_id in debtor_ids.items()}
        inserted = db.session.execute(
            select(Account.id, Account.debtor_id, Account.reference).where(
                Account.debtor_id.in_({account["debtor_id"] for account in new})
            )
        )
        ids |= {(references[account.debtor_id], account.reference): account.id for account in inserted}
    if changed:
        db.session.execute(update(Account), changed)
    counts.accounts_added, counts.accounts_updated = len(new), len(changed)
    return ids


def links_out(
    creditor: Creditor,
    rows: Sequence[AccountRow],
    debtor_ids: dict[str, int],
    campaign: str | None,
    counts: Counts,
    now: datetime | None = None,
) -> list[LinkOut]:
    """A link for each debtor of the batch: the one they have for this campaign if they can still use it
    (so a re-run issues none), otherwise a new one."""
    now = now or datetime.now(UTC)
    usable = _usable_links(list(debtor_ids.values()), campaign, now)
    missing = [debtor_id for debtor_id in debtor_ids.values() if debtor_id not in usable]
    links.issue_links(creditor, missing, campaign=campaign, now=now)
    usable |= _usable_links(missing, campaign, now)
    counts.links_issued, counts.links_reused = len(missing), len(debtor_ids) - len(missing)
    names = {row.debtor_reference: row.full_name for row in rows}
    order = list(names)
    found = [usable[debtor_ids[reference]] for reference in order]
    urls = links.link_urls(links.tokens_for(link.public_id for link in found))
    with current_app.test_request_context():  # one made-up request for every short address, as link_urls does
        shorts = [links.short_url(link.short_code) for link in found]
    return [
        LinkOut(reference, names[reference], url, link.short_code, short, link.expires_at)
        for reference, link, url, short in zip(order, found, urls, shorts, strict=True)
    ]


def _usable_links(debtor_ids: list[int], campaign: str | None, now: datetime) -> dict:
    """Each debtor's link for the campaign that opens the portal's front door now (the one lasting longest)."""
    usable = {}
    for start in range(0, len(debtor_ids), _LOOKUP):
        chunk = debtor_ids[start : start + _LOOKUP]
        rows = db.session.execute(
            select(MagicLink.debtor_id, MagicLink.public_id, MagicLink.short_code, MagicLink.expires_at)
            .where(
                MagicLink.debtor_id.in_(chunk),
                MagicLink.campaign.is_(None) if campaign is None else MagicLink.campaign == campaign,
                MagicLink.destination.is_(None),
                MagicLink.short_code.is_not(None),
                MagicLink.revoked_at.is_(None),
                MagicLink.locked_at.is_(None),
                MagicLink.expires_at > now,
            )
            .order_by(MagicLink.expires_at)
        )
        usable |= {link.debtor_id: link for link in rows}
    return usable
