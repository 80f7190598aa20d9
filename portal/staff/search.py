"""Find a debtor from what a caller can tell you: name, creditor reference, account number, email, phone, postcode."""

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from portal.accounts.ledger import BALANCE
from portal.extensions import db
from portal.models import Account, Debtor, StaffUser
from portal.staff.access import their_creditors

LIMIT = 50


@dataclass(frozen=True)
class Found:
    debtor: Debtor
    accounts: list[Account]
    #: {account id: balance in minor units}
    balances: dict[int, int]


def _squeezed(column):
    """Upper case, without spaces, dashes, dots, brackets or a plus: "ls6 2ab" finds "LS6 2AB"."""
    for char in " -.()+":
        column = func.replace(column, char, "")
    return func.upper(column)


def find_debtors(user: StaffUser, text: str) -> list[Found]:
    """Debtors of the staff user's creditors matching any field, best-known first; at most LIMIT."""
    text = " ".join(text.split())
    if len(text) < 2:
        return []
    squeezed = "".join(char for char in text.upper() if char not in " -.()+")
    words = text.split()
    by_account = select(Account.debtor_id).where(_squeezed(Account.reference) == squeezed)
    matches = or_(
        and_(*[Debtor.full_name.ilike(f"%{word}%") for word in words]),
        _squeezed(Debtor.reference) == squeezed,
        func.lower(Debtor.email) == text.lower(),
        _squeezed(Debtor.postcode) == squeezed,
        Debtor.id.in_(by_account),
        *([_squeezed(Debtor.phone).like(f"%{squeezed[-9:]}")] if squeezed.isdigit() and len(squeezed) >= 6 else []),
    )
    debtors = list(
        db.session.scalars(
            select(Debtor).where(their_creditors(user), matches).order_by(Debtor.full_name, Debtor.id).limit(LIMIT)
        )
    )
    ids = [debtor.id for debtor in debtors]
    rows = db.session.execute(select(Account, BALANCE).where(Account.debtor_id.in_(ids)).order_by(Account.reference))
    accounts, owed = [], {}
    for account, balance in rows:
        accounts.append(account)
        owed[account.id] = int(balance)
    return [Found(debtor, [a for a in accounts if a.debtor_id == debtor.id], owed) for debtor in debtors]
