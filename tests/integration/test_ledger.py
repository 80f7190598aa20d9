"""Balances are sums of one account's ledger entries, read only over the accounts asked about."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event

from portal.accounts import ledger
from portal.accounts.service import accounts_for
from portal.extensions import db
from portal.models import Account, LedgerEntry
from tests.factories import make_account, make_debtor

LEDGER = [("itemization", 150_000), ("interest", 2_150), ("fee", 3_500), ("payment", -10_000), ("credit", -1_000)]


@contextmanager
def _ledger_reads() -> Iterator[list[tuple[str, Any]]]:
    """Collect the statements that read the ledger, as the database saw them, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if "FROM ledger_entry" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _account_without_entries(debtor=None) -> Account:
    """The factory always writes an itemization entry; the ledger is append-only, so build one bare."""
    debtor = debtor or make_debtor()
    account = Account(
        debtor=debtor,
        reference="EMPTY-1",
        description="Nothing owed yet",
        original_creditor="Original Bank",
        current_creditor="Original Bank",
        currency=debtor.creditor.currency,
        itemization_date=date(2026, 1, 15),
    )
    db.session.add(account)
    return account


def test_a_balance_counts_only_its_own_accounts_entries(app):
    mine = make_account(make_debtor(), LEDGER)
    theirs = make_account(make_debtor(), [("itemization", 999_999), ("payment", -1)])
    empty = _account_without_entries()
    db.session.commit()

    assert ledger.balance_of(mine) == 144_650
    assert ledger.balance_of(theirs) == 999_998
    assert ledger.balance_of(empty) == 0


def test_a_debtors_accounts_and_their_balances_take_one_statement_however_many(app, count_queries):
    debtor = make_debtor()
    accounts = [make_account(debtor, [("itemization", 1_000 * n), ("interest", n)]) for n in range(1, 6)]
    empty = _account_without_entries(debtor)
    make_account(make_debtor(), [("itemization", 50_000)])
    db.session.commit()
    expected = [(account.id, 1_001 * n) for n, account in enumerate(accounts, start=1)] + [(empty.id, 0)]
    db.session.refresh(debtor)

    with count_queries() as counter:
        listed = accounts_for(debtor)

    assert [(account.id, balance) for account, balance in listed] == expected
    assert counter.count == 1


def test_a_debtors_account_list_sums_only_that_debtors_ledger(app):
    debtor = make_debtor()
    first = make_account(debtor, LEDGER)
    second = make_account(debtor, [("itemization", 92_000)])
    make_account(make_debtor(), [("itemization", 50_000)])
    db.session.commit()

    with _ledger_reads() as statements:
        listed = accounts_for(debtor)

    assert [(account.id, balance) for account, balance in listed] == [(first.id, 144_650), (second.id, 92_000)]
    assert statements, "the balances come from the ledger"
    assert all("WHERE ledger_entry.account_id" in statement for statement, _ in statements), statements


def test_balance_after_an_entry_ignores_later_entries_and_other_accounts(app):
    account = make_account(make_debtor(), LEDGER)
    make_account(make_debtor(), [("itemization", 7_777)])
    db.session.commit()
    entries = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)
    ).all()

    assert [ledger.balance_after(entry) for entry in entries] == [150_000, 152_150, 155_650, 145_650, 144_650]
    assert ledger.balance_after(entries[-1]) == ledger.balance_of(account)


def _plan(statement: str, parameters: Any) -> str:
    """How the database would run a statement. On a test's tiny table PostgreSQL's costs pick any index that
    starts with account_id (or none), so here it may use indexes only, and the history index is dropped
    for the test's transaction (rolled back at the end): what is left shows whether the sums index covers
    the statement (an Index Only Scan) or the table's rows must be read (an Index Scan)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_ledger_entry_account_history")
        return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    return "\n".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))


def test_balances_and_itemizations_are_added_up_from_an_index_without_reading_the_entries(app):
    """A long ledger's sums read one index of account, kind and amount (bench/scaling.py: an itemization of
    10,000 entries spread through a million rows took ten times as long read row by row from the table)."""
    account = make_account(make_debtor(), LEDGER)
    db.session.commit()

    with _ledger_reads() as statements:
        ledger.balance_of(account)
        accounts_for(account.debtor)
        ledger.sums_by_kind(account)

    assert len(statements) == 3
    for statement, parameters in statements:
        plan = _plan(statement, parameters)
        assert "Index Only Scan using ix_ledger_entry_account_sums" in plan or (
            "USING COVERING INDEX ix_ledger_entry_account_sums" in plan
        ), f"{statement}\n{plan}"
