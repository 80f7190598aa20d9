"""Balances, itemization and history, always computed from the ledger."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from portal import clock, gate
from portal.accounts.ledger import BALANCE, SETTLED_ON, sums_by_kind
from portal.extensions import db
from portal.gate import Standing, Stop
from portal.models import Account, Debtor
from portal.ownership import get_owned


@dataclass(frozen=True)
class Itemization:
    """The Regulation F itemization: where the balance came from since a known date."""

    itemization_date: date
    #: all amounts in minor units; payments, credits and write-offs are shown as positive numbers
    amount_on_itemization_date: int
    interest: int
    fees: int
    payments: int
    credits: int
    #: what the creditor decided the debtor need not pay (portal.accounts.write_offs)
    written_off: int = 0

    @property
    def balance(self) -> int:
        return (
            self.amount_on_itemization_date
            + self.interest
            + self.fees
            - self.payments
            - self.credits
            - self.written_off
        )


def accounts_for(debtor: Debtor) -> list[tuple[Account, int]]:
    """Every account of a debtor with its balance: one statement however many accounts there are."""
    rows = db.session.execute(
        db.select(Account, BALANCE).where(Account.debtor_id == debtor.id).order_by(Account.id)
    ).all()
    return [(account, int(balance)) for account, balance in rows]


def dashboard_accounts_for(debtor: Debtor) -> tuple[list[tuple[Account, int]], dict[int, date]]:
    """Every account with its balance, and the day each one paid in full was settled: still one statement."""
    rows = db.session.execute(
        db.select(Account, BALANCE, SETTLED_ON).where(Account.debtor_id == debtor.id).order_by(Account.id)
    ).all()
    return [(account, int(balance)) for account, balance, _ in rows], {
        account.id: settled for account, _, settled in rows if settled is not None
    }


def standings_for(debtor: Debtor, accounts: list[Account]) -> dict[int, Standing]:
    """Whether we may ask for money on each account today: one call to the gate for a whole page."""
    return gate.standings(accounts, clock.today_for(debtor))


@dataclass(frozen=True)
class Owed:
    """What the dashboard says the debtor owes."""

    #: by currency, over the accounts whose debt is not being checked
    totals: dict[str, int]
    #: (account, balance) left out of the totals while we check the debt (a dispute or a request)
    checking: list[tuple[Account, int]]


def owed(accounts: list[tuple[Account, int]], standings: dict[int, Standing]) -> Owed:
    """We don't ask for, or add up, money the debtor has questioned until we have checked it."""
    totals: dict[str, int] = {}
    checking = []
    for account, balance in accounts:
        if Stop.DISPUTE in standings[account.id].stops:
            if balance > 0:
                checking.append((account, balance))
            continue
        totals[account.currency] = totals.get(account.currency, 0) + balance
    return Owed(totals, checking)


def get_account_for(debtor: Debtor, account_id: int) -> Account:
    """The debtor's own account; another person's account does not exist for them (NotFoundForOwner)."""
    return get_owned(Account, debtor, "account", id=account_id)


def itemization_of(account: Account) -> Itemization:
    """The account's itemization, added up by the database (one query, whatever the ledger's length)."""
    return itemize(account.itemization_date, sums_by_kind(account))


def itemize(itemization_date: date, sums: Mapping[str, int]) -> Itemization:
    """Sort the ledger's sums by kind into the itemization's buckets; their total is the balance."""
    return Itemization(
        itemization_date=itemization_date,
        amount_on_itemization_date=sums.get("itemization", 0),
        interest=sums.get("interest", 0),
        fees=sums.get("fee", 0),
        payments=-sums.get("payment", 0),
        credits=-sums.get("credit", 0),
        written_off=-sums.get("write_off", 0),
    )
