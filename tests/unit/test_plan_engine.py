"""The plan engine: schedules that add up, offers inside the policy, proposals accepted only inside it.

Worked examples are computed by hand in the comments; the properties hold for any policy and balance.
"""

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.plans.dates import STEP_DAYS, Payday, add_months, nth_date
from portal.plans.engine import (
    MAX_SCHEDULE_LENGTH,
    Instalment,
    Interest,
    Reason,
    build_schedule,
    evaluate_proposal,
    interest_during_plan,
    max_count,
    offers,
    plan_counts,
    settlement_discount,
    settlement_offer,
    smallest_accepted_amount,
    split,
    term_months,
)
from portal.plans.policy import MAX_TERM_MONTHS, Frequency, PlanPolicy

MONTHLY = Frequency.MONTHLY
WEEKLY = Frequency.WEEKLY
TODAY = date(2025, 1, 10)


def make_policy(**changes) -> PlanPolicy:
    values = {
        "min_instalment": 2500,
        "max_term_months": 24,
        "frequencies": (WEEKLY, MONTHLY),
        "settlement_discount_pct": (10, 20),
        "missed_payments_to_break": 2,
        "first_payment_within_days": 30,
        "retry_attempts": 2,
        "retry_after_days": 3,
        "auto_accept_max_term_months": 24,
    }
    return PlanPolicy(**(values | changes))


def amounts(schedule) -> list[int]:
    return [instalment.amount for instalment in schedule]


# --- worked examples -------------------------------------------------------------------------


def test_1000_over_3_monthly_puts_the_extra_penny_on_the_last():
    assert split(100000, 3) == [33333, 33333, 33334]


def test_a_monthly_schedule_from_31_january_clamps_to_february_and_recovers():
    assert build_schedule(100000, MONTHLY, date(2025, 1, 31), count=3) == (
        Instalment(1, date(2025, 1, 31), 33333),
        Instalment(2, date(2025, 2, 28), 33333),
        Instalment(3, date(2025, 3, 31), 33334),
    )


def test_a_schedule_from_a_regular_amount_leaves_the_rest_to_the_last():
    # 1000.00 at 300.00: three of 300.00 and 100.00 left
    assert amounts(build_schedule(100000, WEEKLY, TODAY, amount=30000)) == [30000, 30000, 30000, 10000]
    assert amounts(build_schedule(90000, WEEKLY, TODAY, amount=30000)) == [30000, 30000, 30000]


def test_a_schedule_needs_exactly_one_of_count_and_amount():
    with pytest.raises(ValueError):
        build_schedule(100000, WEEKLY, TODAY)
    with pytest.raises(ValueError):
        build_schedule(100000, WEEKLY, TODAY, count=2, amount=500)


def test_settlement_discount_is_rounded_in_the_debtors_favour():
    # 1234.56 at 20% is 246.912 off: 246.92 off, 987.64 to pay
    offer = settlement_offer(make_policy(), 123456, TODAY)
    assert (offer.total, offer.saving, offer.count, offer.instalment) == (98764, 24692, 1, 98764)
    assert offer.schedule == (Instalment(1, TODAY, 98764),)
    assert offer.key == "settlement"


def test_no_settlement_offer_without_a_discount_range():
    assert settlement_offer(make_policy(settlement_discount_pct=None), 123456, TODAY) is None
    assert offers(make_policy(settlement_discount_pct=None), 120000, TODAY)[0].kind == "plan"


@pytest.mark.parametrize(
    ("frequency", "count", "months"),
    [
        (MONTHLY, 24, 24),
        (MONTHLY, 25, 25),
        (WEEKLY, 104, 24),  # last payment 2026-12-23, before 2027-01-01
        (WEEKLY, 105, 24),  # 2026-12-30
        (WEEKLY, 106, 25),  # 2027-01-06
        (WEEKLY, 1, 1),
    ],
)
def test_term_is_the_months_within_which_the_last_payment_falls(frequency, count, months):
    assert term_months(build_schedule(10**6, frequency, date(2025, 1, 1), count=count)) == months


def test_term_of_nothing_is_zero():
    assert term_months(()) == 0


def test_offers_for_1200_pounds():
    # min 25.00, 24 months, weekly and monthly, up to 20% off
    result = offers(make_policy(), 120000, date(2025, 1, 31))
    summary = [(o.key, o.instalment, amounts(o.schedule)[-1], o.total, o.saving, o.end_date) for o in result]
    assert summary == [
        ("settlement", 96000, 96000, 96000, 24000, date(2025, 1, 31)),
        ("weekly:2", 60000, 60000, 120000, 0, date(2025, 2, 7)),
        ("weekly:25", 4800, 4800, 120000, 0, date(2025, 7, 18)),
        # 48 weekly payments of the 25.00 minimum (end in month 11, well inside 24)
        ("weekly:48", 2500, 2500, 120000, 0, date(2025, 12, 26)),
        ("monthly:2", 60000, 60000, 120000, 0, date(2025, 2, 28)),
        # 1200.00 / 13 = 92.307...: twelve of 92.30 (1107.60), the last 92.40
        ("monthly:13", 9230, 9240, 120000, 0, date(2026, 1, 31)),
        ("monthly:24", 5000, 5000, 120000, 0, date(2026, 12, 31)),
    ]


def test_offers_follow_a_payday():
    last_friday = Payday("last_weekday_of_month", weekday=4)
    monthly = [o for o in offers(make_policy(), 120000, date(2025, 1, 31), last_friday) if o.frequency == MONTHLY]
    assert [i.due for i in monthly[-1].schedule[:3]] == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 28)]


def test_a_balance_too_small_to_split_gets_only_the_settlement():
    # 40.00 cannot be two payments of at least 25.00
    assert [o.key for o in offers(make_policy(), 4000, TODAY)] == ["settlement"]
    assert offers(make_policy(), 0, TODAY) == []


def test_the_term_limits_the_longest_plan():
    # 10,000.00 at 25.00 minimum would be 400 payments; 12 months allow 12 monthly
    assert max_count(make_policy(max_term_months=12, auto_accept_max_term_months=12), 10**6, MONTHLY, TODAY) == 12


def test_a_proposal_inside_policy_is_accepted_with_its_schedule():
    decision = evaluate_proposal(make_policy(), 100000, 30000, MONTHLY, date(2025, 2, 1), TODAY)
    assert decision.accepted
    assert decision.reasons == ()
    assert amounts(decision.schedule) == [30000, 30000, 30000, 10000]


def test_a_30_month_proposal_goes_to_review_because_the_policy_allows_24():
    # 3000.00 at 100.00 a month is 30 payments
    decision = evaluate_proposal(make_policy(), 300000, 10000, MONTHLY, TODAY, TODAY)
    assert not decision.accepted
    assert decision.reasons == (Reason("term_too_long", {"months": 30, "allowed": 24}),)
    assert len(decision.schedule) == 30


def test_auto_accept_can_be_stricter_than_the_offers():
    decision = evaluate_proposal(make_policy(auto_accept_max_term_months=6), 100000, 10000, MONTHLY, TODAY, TODAY)
    assert decision.reasons == (Reason("term_too_long", {"months": 10, "allowed": 6}),)


def test_every_broken_rule_is_a_reason():
    policy = make_policy(frequencies=(MONTHLY,))
    decision = evaluate_proposal(policy, 100000, 1000, Frequency.FORTNIGHTLY, date(2025, 3, 1), TODAY)
    assert decision.reasons == (
        Reason("frequency_not_allowed", {"frequency": "fortnightly"}),
        Reason("start_too_late", {"first": "2025-03-01", "latest": "2025-02-09", "days": 30}),
        Reason("below_minimum", {"amount": 1000, "minimum": 2500}),
        Reason("term_too_long", {"months": 46, "allowed": 24}),
    )


def test_a_start_in_the_past_and_an_amount_above_the_balance_are_reasons():
    decision = evaluate_proposal(make_policy(), 10000, 20000, MONTHLY, TODAY - timedelta(days=1), TODAY)
    assert decision.reasons == (
        Reason("start_in_past", {"first": "2025-01-09", "today": "2025-01-10"}),
        Reason("amount_above_balance", {"amount": 20000, "balance": 10000}),
    )
    assert amounts(decision.schedule) == [10000]


def test_paying_a_small_balance_in_one_go_is_not_below_the_minimum():
    assert evaluate_proposal(make_policy(), 1500, 1500, MONTHLY, TODAY, TODAY).accepted


def test_an_absurdly_long_proposal_is_estimated_not_built():
    # 10,000.00 at 1p a week: a million payments, about 19,000 years
    decision = evaluate_proposal(make_policy(min_instalment=1), 10**6, 1, WEEKLY, TODAY, TODAY)
    assert decision.schedule == ()
    [reason] = decision.reasons
    assert reason.code == "term_too_long"
    assert 229_900 < reason.params["months"] < 230_000


def test_a_proposal_needs_positive_amounts():
    with pytest.raises(ValueError):
        evaluate_proposal(make_policy(), 10000, 0, MONTHLY, TODAY, TODAY)


# --- interest and charges still added during a plan -------------------------------------------


def test_interest_is_added_on_each_monthly_anniversary_of_the_day_the_plan_is_made():
    interest = Interest(1000, date(2025, 1, 31))
    assert interest.added_by(date(2025, 1, 31)) == 0
    assert interest.added_by(date(2025, 2, 27)) == 0
    assert interest.added_by(date(2025, 2, 28)) == 1000  # 31 January's anniversary in February
    assert interest.added_by(date(2025, 3, 30)) == 1000
    assert interest.added_by(date(2025, 3, 31)) == 2000
    assert interest.added_by(date(2024, 12, 31)) == 0


def test_a_plan_pays_only_the_balance_when_the_creditor_freezes_interest_or_adds_none():
    frozen = make_policy(freeze_interest_on_plan=True)
    assert interest_during_plan(frozen, 1480, TODAY) is None
    assert interest_during_plan(make_policy(), 0, TODAY) is None
    assert interest_during_plan(make_policy(), 1480, TODAY) == Interest(1480, TODAY)


def test_a_plan_of_4_monthly_payments_also_pays_the_3_months_of_interest_added_before_the_last():
    # 1000.00 owed on 10 Jan, 10.00 added on 10 Feb, 10 Mar and 10 Apr: 1030.00 in 4 payments of 257.50
    schedule = build_schedule(100000, MONTHLY, date(2025, 1, 17), count=4, interest=Interest(1000, TODAY))
    assert amounts(schedule) == [25750] * 4
    assert schedule[-1].due == date(2025, 4, 17)


def test_interest_added_before_a_late_first_payment_is_paid_too():
    # first payment 35 days away: 10 Feb's interest is added before it
    schedule = build_schedule(100000, MONTHLY, date(2025, 2, 14), count=2, interest=Interest(1000, TODAY))
    assert amounts(schedule) == [51000, 51000]  # 10 Feb and 10 Mar


def test_a_regular_amount_pays_the_interest_too_and_the_last_payment_is_what_is_left():
    # 300.00 a month from 1 Feb on 1000.00 with 10.00 added on the 10th: 3 more months' interest
    decision = evaluate_proposal(
        make_policy(), 100000, 30000, MONTHLY, date(2025, 2, 1), TODAY, interest=Interest(1000, TODAY)
    )
    assert decision.accepted
    assert amounts(decision.schedule) == [30000, 30000, 30000, 13000]
    assert decision.total == 103000


def test_offers_with_interest_for_1200_pounds():
    # as test_offers_for_1200_pounds, with 14.80 a month added from 24 January
    result = offers(make_policy(), 120000, date(2025, 1, 31), interest=Interest(1480, date(2025, 1, 24)))
    summary = [(o.key, o.instalment, amounts(o.schedule)[-1], o.total, o.interest, o.end_date) for o in result]
    assert summary == [
        ("settlement", 96000, 96000, 96000, 0, date(2025, 1, 31)),  # a settlement is accepted in full
        ("weekly:2", 60000, 60000, 120000, 0, date(2025, 2, 7)),  # paid before any interest is added
        ("weekly:28", 4602, 4626, 128880, 8880, date(2025, 8, 8)),
        # 12 months of interest (24 Feb 2025 to 24 Jan 2026): 1377.60 in 55 payments of 25.04, the last 25.44
        ("weekly:55", 2504, 2544, 137760, 17760, date(2026, 2, 13)),
        ("monthly:2", 60740, 60740, 121480, 1480, date(2025, 2, 28)),
        ("monthly:13", 10596, 10608, 137760, 17760, date(2026, 1, 31)),
        # 23 months of interest: 1540.40 in 24 payments of 64.18, the last 64.26
        ("monthly:24", 6418, 6426, 154040, 34040, date(2026, 12, 31)),
    ]


def test_no_plan_is_offered_whose_payments_would_not_beat_the_interest():
    # 50.00 owed and 60.00 added a month: two monthly payments would have to pay 110.00, but the
    # first 55.00 would pay off the 50.00 before any interest; only a plan paid inside a week is true
    policy = make_policy(settlement_discount_pct=None)
    result = offers(policy, 5000, TODAY, interest=Interest(6000, TODAY))
    assert [(o.key, amounts(o.schedule), o.interest) for o in result] == [("weekly:2", [2500, 2500], 0)]


def test_a_proposal_that_does_not_beat_the_interest_goes_to_a_person_and_promises_no_end():
    policy = make_policy(min_instalment=500)
    decision = evaluate_proposal(policy, 119820, 1480, MONTHLY, TODAY, TODAY, interest=Interest(1480, TODAY))
    assert decision.reasons == (Reason("interest_not_covered", {"amount": 1480, "interest": 1480}),)
    assert decision.schedule == ()
    assert decision.total == 119820


def test_a_proposal_that_beats_the_interest_slowly_has_its_long_term_estimated():
    # 15.00 a month against 14.80 added: 1198.20 falls by 0.20 a month, so 5991 months
    policy = make_policy(min_instalment=500)
    decision = evaluate_proposal(policy, 119820, 1500, MONTHLY, TODAY, TODAY, interest=Interest(1480, TODAY))
    assert decision.reasons == (Reason("term_too_long", {"months": 5991, "allowed": 24}),)
    assert decision.schedule == ()


def test_a_schedule_that_cannot_clear_the_interest_is_refused():
    with pytest.raises(ValueError):
        build_schedule(100000, MONTHLY, TODAY, amount=1000, interest=Interest(1000, TODAY))
    with pytest.raises(ValueError):  # the first of two payments would pay off the balance early
        build_schedule(5000, MONTHLY, TODAY, count=2, interest=Interest(6000, TODAY))


# --- properties ------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
#: small balances find the edges; large ones give long plans
BALANCES = st.integers(1, 10**5) | st.integers(10**5, 10**7)
PAYDAYS = st.one_of(
    st.none(),
    st.builds(Payday, kind=st.just("day_of_month"), day=st.integers(1, 31)),
    st.just(Payday("last_day_of_month")),
    st.builds(Payday, kind=st.just("last_weekday_of_month"), weekday=st.integers(0, 6)),
)
DISCOUNTS = st.one_of(st.none(), st.tuples(st.integers(0, 99), st.integers(0, 99)).map(sorted).map(tuple))


@st.composite
def policies(draw) -> PlanPolicy:
    max_term = draw(st.integers(1, MAX_TERM_MONTHS))
    return make_policy(
        min_instalment=draw(st.integers(1, 10000)),
        max_term_months=max_term,
        frequencies=tuple(draw(st.sets(st.sampled_from(Frequency), min_size=1))),
        settlement_discount_pct=draw(DISCOUNTS),
        first_payment_within_days=draw(st.integers(0, 60)),
        auto_accept_max_term_months=draw(st.integers(0, max_term)),
    )


@st.composite
def policies_and_balances(draw) -> tuple[PlanPolicy, int]:
    """A policy and a balance of any size, or one worth a few to a few hundred minimum instalments."""
    policy = draw(policies())
    scaled = policy.min_instalment * draw(st.integers(1, 600)) + draw(st.integers(0, policy.min_instalment))
    return policy, draw(BALANCES | st.just(scaled))


@given(st.integers(0, 10**9), st.integers(1, 1000))
def test_split_adds_up_with_the_rounding_on_the_last(total, count):
    parts = split(total, count)
    assert len(parts) == count
    assert sum(parts) == total
    assert len(set(parts[:-1])) <= 1
    assert 0 <= parts[-1] - parts[0] < count


@given(BALANCES, st.integers(1, 10**7), DAYS, st.sampled_from(Frequency), PAYDAYS)
def test_a_schedule_from_an_amount_adds_up_and_only_the_last_is_smaller(total, amount, first, frequency, payday):
    amount = max(amount, -(-total // 300))
    schedule = build_schedule(total, frequency, first, amount=amount, payday=payday)
    assert sum(amounts(schedule)) == total
    assert all(part == amount for part in amounts(schedule)[:-1])
    assert 0 < schedule[-1].amount <= amount
    assert [i.number for i in schedule] == list(range(1, len(schedule) + 1))


@given(policies_and_balances(), DAYS, PAYDAYS)
def test_every_offer_is_inside_the_policy(policy_and_balance, first, payday):
    policy, balance = policy_and_balance
    result = offers(policy, balance, first, payday)
    plans = [offer for offer in result if offer.kind == "plan"]
    settlements = [offer for offer in result if offer.kind == "settlement"]
    assert len(settlements) == (policy.settlement_discount_pct is not None)
    assert result[: len(settlements)] == settlements
    for offer in plans:
        parts = amounts(offer.schedule)
        assert offer.frequency in policy.frequencies
        assert offer.count == len(parts) >= 2
        assert sum(parts) == offer.total == balance
        assert offer.saving == 0
        assert all(part == offer.instalment >= policy.min_instalment for part in parts[:-1])
        assert parts[-1] >= offer.instalment
        assert term_months(offer.schedule) <= policy.max_term_months
        assert offer.first_date == first
        assert all(a.due < b.due for a, b in pairwise(offer.schedule))


@given(policies_and_balances(), DAYS, PAYDAYS)
def test_the_longest_plan_offered_is_the_longest_the_policy_allows(policy_and_balance, first, payday):
    policy, balance = policy_and_balance
    result = offers(policy, balance, first, payday)
    for frequency in policy.frequencies:
        counts = [offer.count for offer in result if offer.frequency == frequency]
        longest = max(counts, default=1)
        one_more = longest + 1
        too_small = balance // one_more < policy.min_instalment
        too_long = nth_date(first, frequency, longest, payday) >= add_months(first, policy.max_term_months)
        assert too_small or too_long


@given(policies(), BALANCES, DAYS)
def test_the_settlement_takes_the_largest_discount_rounded_up_to_a_whole_minor_unit(policy, balance, day):
    offer = settlement_offer(policy, balance, day)
    if policy.settlement_discount_pct is None:
        assert offer is None
        return
    pct = policy.settlement_discount_pct[1]
    assert offer.saving == balance - offer.total == settlement_discount(policy, balance)
    assert offer.saving * 100 >= balance * pct > (offer.saving - 1) * 100
    assert sum(amounts(offer.schedule)) == offer.total


@st.composite
def proposals(draw):
    policy = draw(policies())
    balance = draw(st.integers(1, 10**6))
    count = draw(st.integers(1, 150))
    amount = max(1, -(-balance // count) + draw(st.integers(-3, 3)))
    if draw(st.booleans()):
        amount = draw(st.integers(1, 2 * balance))
    today = draw(DAYS)
    # mostly inside the window and an allowed frequency, so both answers are drawn often
    days = draw(st.integers(0, policy.first_payment_within_days) | st.integers(-5, 70))
    frequency = draw(st.sampled_from(policy.frequencies) | st.sampled_from(Frequency))
    return policy, balance, amount, frequency, today + timedelta(days=days), today, draw(PAYDAYS)


@given(proposals())
def test_a_proposal_is_accepted_exactly_when_it_is_inside_policy(proposal):
    policy, balance, amount, frequency, first, today, payday = proposal
    regular = min(amount, balance)
    count = -(-balance // regular)
    last = nth_date(first, frequency, count - 1, payday) if count <= MAX_SCHEDULE_LENGTH else None
    broken = {
        "frequency_not_allowed": frequency not in policy.frequencies,
        "start_in_past": first < today,
        "start_too_late": first > today + timedelta(days=policy.first_payment_within_days),
        "amount_above_balance": amount > balance,
        "below_minimum": amount < policy.min_instalment and amount < balance,
        "term_too_long": last is None or last >= add_months(first, policy.auto_accept_max_term_months),
    }
    decision = evaluate_proposal(policy, balance, amount, frequency, first, today, payday)
    assert {reason.code for reason in decision.reasons} == {code for code, bad in broken.items() if bad}
    assert decision.accepted == (not any(broken.values()))
    if last is not None:
        assert sum(amounts(decision.schedule)) == balance
        assert decision.schedule[-1].due == last


# --- properties with interest ------------------------------------------------------------------


def clears_exactly(balance: int, schedule, interest: Interest) -> bool:
    """Walk the account: interest added by each date, then the payment; owing until the last, nothing after it."""
    paid, left = 0, []
    for instalment in schedule:
        paid += instalment.amount
        left.append(balance + interest.added_by(instalment.due) - paid)
    return all(owed > 0 for owed in left[:-1]) and left[-1] == 0


@st.composite
def with_interest(draw):
    policy, balance = draw(policies_and_balances())
    first = draw(DAYS)
    since = first - timedelta(days=draw(st.integers(0, policy.first_payment_within_days)))
    return policy, balance, first, draw(PAYDAYS), Interest(draw(st.integers(1, 50000)), since)


@given(with_interest())
def test_every_offer_with_interest_clears_the_balance_and_its_interest_exactly(case):
    policy, balance, first, payday, interest = case
    for offer in offers(policy, balance, first, payday, interest):
        parts = amounts(offer.schedule)
        assert sum(parts) == offer.total
        if offer.kind == "settlement":
            continue
        assert offer.total == balance + offer.interest == balance + interest.added_by(offer.end_date)
        assert offer.count == len(parts) >= 2
        assert all(part == offer.instalment >= policy.min_instalment for part in parts[:-1])
        assert 0 <= parts[-1] - offer.instalment < offer.count
        assert term_months(offer.schedule) <= policy.max_term_months
        assert clears_exactly(balance, offer.schedule, interest)


@given(with_interest())
def test_the_plans_allowed_with_interest_are_exactly_those_that_clear_inside_the_policy(case):
    policy, balance, first, payday, interest = case
    policy = replace(policy, max_term_months=min(policy.max_term_months, 18), auto_accept_max_term_months=0)
    for frequency in policy.frequencies:
        allowed = set(plan_counts(policy, balance, frequency, first, payday, interest))
        count = 1
        while nth_date(first, frequency, count - 1, payday) < add_months(first, policy.max_term_months):
            try:
                schedule = build_schedule(balance, frequency, first, count=count, payday=payday, interest=interest)
            except ValueError:
                assert count not in allowed
            else:
                assert (count in allowed) == (schedule[0].amount >= policy.min_instalment)
                assert clears_exactly(balance, schedule, interest)
            count += 1
        assert all(n < count for n in allowed)


@given(proposals(), st.integers(1, 50000), st.integers(0, 60))
def test_a_proposal_with_interest_clears_exactly_or_says_why_it_cant(proposal, monthly, days_before):
    policy, balance, amount, frequency, first, today, payday = proposal
    interest = Interest(monthly, today - timedelta(days=days_before))
    decision = evaluate_proposal(policy, balance, amount, frequency, first, today, payday, interest)
    regular = min(amount, balance)
    codes = {reason.code for reason in decision.reasons}
    # the payments in 400 years (4800 months) against the interest added in them
    payments = 4800 if frequency == MONTHLY else Fraction(146097, STEP_DAYS[frequency])
    if decision.schedule:
        parts = amounts(decision.schedule)
        assert sum(parts) == decision.total == balance + interest.added_by(decision.schedule[-1].due)
        assert all(part == regular for part in parts[:-1]) and 0 < parts[-1] <= regular
        assert clears_exactly(balance, decision.schedule, interest)
        assert "interest_not_covered" not in codes
    else:
        assert decision.total == balance
        assert ("interest_not_covered" in codes) == (regular * payments <= monthly * 4800)
        assert ("interest_not_covered" in codes) != ("term_too_long" in codes)
    assert decision.accepted == (not codes)


# --- the smallest amount agreed at once ----------------------------------------------------------


def test_the_smallest_amount_agreed_at_once_finishes_within_the_auto_accept_term():
    # £2,530.00 over 24 months: £105.42 a month (24 payments); £105.41 would need a 25th
    policy = make_policy(min_instalment=500)
    assert smallest_accepted_amount(policy, 253000, MONTHLY, TODAY, TODAY) == 10542


def test_the_smallest_amount_agreed_at_once_is_the_minimum_when_the_term_allows_less():
    assert smallest_accepted_amount(make_policy(), 30000, MONTHLY, TODAY, TODAY) == 2500


@pytest.mark.parametrize(
    ("frequency", "interest", "first"),
    [
        (MONTHLY, None, TODAY),
        (WEEKLY, None, TODAY + timedelta(days=30)),
        (MONTHLY, Interest(1480, TODAY), TODAY + timedelta(days=30)),
        (Frequency.FORTNIGHTLY, Interest(900, TODAY), TODAY + timedelta(days=3)),
    ],
)
def test_the_smallest_amount_agreed_at_once_is_accepted_and_a_penny_less_is_not(frequency, interest, first):
    policy = make_policy(min_instalment=500, frequencies=tuple(Frequency))
    smallest = smallest_accepted_amount(policy, 119820, frequency, first, TODAY, interest=interest)
    assert evaluate_proposal(policy, 119820, smallest, frequency, first, TODAY, interest=interest).accepted
    assert not evaluate_proposal(policy, 119820, smallest - 1, frequency, first, TODAY, interest=interest).accepted


def test_no_amount_is_agreed_at_once_when_the_creditor_looks_at_every_proposal():
    assert smallest_accepted_amount(make_policy(auto_accept_max_term_months=0), 30000, MONTHLY, TODAY, TODAY) is None


# --- a settlement in instalments ---------------------------------------------------------------


def test_a_settlement_is_one_payment_unless_the_creditor_allows_instalments():
    assert [o.key for o in offers(make_policy(), 120000, TODAY) if o.kind == "settlement"] == ["settlement"]
    assert settlement_offer(make_policy(), 120000, TODAY, count=3) is None


def test_a_creditor_allowing_3_payments_offers_the_settlement_in_2_and_in_3():
    policy = make_policy(settlement_instalments_max=3)
    found = [o for o in offers(policy, 120000, TODAY) if o.kind == "settlement"]
    assert [o.key for o in found] == ["settlement", "settlement:2", "settlement:3"]
    assert {o.total for o in found} == {96000} and {o.saving for o in found} == {24000}


def test_settlement_instalments_add_up_exactly_to_the_discounted_total_with_the_rest_on_the_last():
    # 50000 less 20% is 40000: 13333, 13333 and 13334
    offer = settlement_offer(make_policy(settlement_instalments_max=3), 50000, TODAY, count=3)
    assert amounts(offer.schedule) == [13333, 13333, 13334]
    assert sum(amounts(offer.schedule)) == offer.total == 40000
    assert (offer.instalment, offer.frequency, offer.count) == (13333, MONTHLY, 3)


@given(
    balance=st.integers(min_value=1, max_value=10**9),
    count=st.integers(min_value=2, max_value=3),
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)
def test_settlement_instalments_always_add_up_and_end_within_3_months(balance, count, first):
    policy = make_policy(settlement_instalments_max=3, min_instalment=1)
    offer = settlement_offer(policy, balance, first, count=count)
    if offer is None:  # too small to split into whole minor units above the minimum
        assert (balance - settlement_discount(policy, balance)) // count < 1
        return
    assert sum(amounts(offer.schedule)) == offer.total == balance - offer.saving
    assert offer.first_date == first and offer.end_date < add_months(first, 3)
    assert [i.due for i in offer.schedule] == sorted({i.due for i in offer.schedule})


def test_a_settlement_instalment_below_the_minimum_is_not_offered():
    # 9000 less 20% is 7200: 3 payments of 2400 are below the 2500 minimum, 2 of 3600 are not
    found = [o.key for o in offers(make_policy(settlement_instalments_max=3), 9000, TODAY) if o.kind == "settlement"]
    assert found == ["settlement", "settlement:2"]


def test_settlement_instalments_follow_a_monthly_payday_but_stay_within_3_months():
    payday = Payday("last_day_of_month")
    offer = settlement_offer(make_policy(settlement_instalments_max=3), 120000, date(2025, 1, 31), 3, payday)
    assert offer.end_date < add_months(offer.first_date, 3)
