"""The pure rules behind a supervisor's decisions: who must approve a write-off, how long a pause lasts,
how a plan's payments are lowered, and how a write-off reads in the itemization."""

from datetime import date
from types import SimpleNamespace

import pytest

from portal.accounts.service import itemize
from portal.accounts.write_offs import approval_needed
from portal.help.service.decisions import DecisionRefused, lower_schedule, pause_days


def test_without_a_creditor_amount_only_a_whole_debt_write_off_needs_a_second_supervisor():
    assert approval_needed(1_000_000, whole=True, policy={})
    assert not approval_needed(1_000_000, whole=False, policy=None)


def test_above_the_creditors_amount_a_write_off_needs_a_second_supervisor():
    policy = {"write_off_approval_above": 20_000}
    assert approval_needed(20_001, whole=False, policy=policy)
    assert not approval_needed(20_000, whole=True, policy=policy)


def test_a_pause_in_months_follows_the_calendar():
    assert pause_days(date(2026, 1, 31), 1, "months") == 28
    assert pause_days(date(2026, 11, 23), 2, "months") == 61
    assert pause_days(date(2026, 11, 23), 10, "days") == 10


@pytest.mark.parametrize(("length", "unit"), [(0, "days"), (367, "days"), (13, "months")])
def test_a_pause_lasts_from_a_day_to_a_year(length, unit):
    with pytest.raises(DecisionRefused):
        pause_days(date(2026, 11, 23), length, unit)


DATES = [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]


def _plan(amounts, statuses=None, amount=10_000):
    """A monthly plan's instalments (due on DATES) as the rule reads them."""
    statuses = statuses or ["scheduled"] * len(amounts)
    instalments = [
        SimpleNamespace(amount=a, status=s, collect_on=day) for a, s, day in zip(amounts, statuses, DATES, strict=False)
    ]
    return SimpleNamespace(
        kind="plan", frequency="monthly", payday=None, instalment_amount=amount, instalments=instalments
    )


def test_lowered_payments_add_up_to_what_the_plan_still_had_to_collect():
    plan = _plan([10_000, 10_000, 10_000], ["paid", "scheduled", "scheduled"])

    schedule = lower_schedule(plan, 3_000)

    assert [amount for _, amount in schedule.payments] == [3_000] * 6 + [2_000]
    assert schedule.payments[0][0] == date(2027, 1, 1)
    assert schedule.payments[1][0] == date(2027, 2, 1)


@pytest.mark.parametrize("amount", [0, 10_000, 12_000])
def test_lowered_payments_must_be_lower(amount):
    with pytest.raises(DecisionRefused):
        lower_schedule(_plan([10_000, 10_000]), amount)


def test_an_amount_written_off_is_its_own_line_and_leaves_the_balance_the_ledgers_sum():
    result = itemize(date(2026, 1, 1), {"itemization": 30_000, "payment": -5_000, "write_off": -10_000})

    assert (result.payments, result.written_off) == (5_000, 10_000)
    assert result.balance == 15_000
