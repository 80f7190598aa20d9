"""A creditor's policy JSON becomes a sane PlanPolicy, whatever was sent."""

import pytest

from portal.plans.policy import MAX_TERM_MONTHS, Frequency, PlanPolicy


def test_an_empty_policy_takes_safe_defaults():
    policy = PlanPolicy.from_dict({}, default_minimum=100)
    assert policy == PlanPolicy(
        min_instalment=100,
        max_term_months=24,
        frequencies=tuple(Frequency),
        settlement_discount_pct=None,
        missed_payments_to_break=2,
        first_payment_within_days=30,
        retry_attempts=2,
        retry_after_days=3,
        auto_accept_max_term_months=24,
    )
    assert PlanPolicy.from_dict(None) == policy


def test_the_demo_policy_reads_its_keys():
    policy = PlanPolicy.from_dict({"min_instalment": 2500, "max_term_months": 36, "settlement_discount_max_pct": 15})
    assert policy.min_instalment == 2500
    assert policy.max_term_months == 36
    assert policy.auto_accept_max_term_months == 36
    assert policy.settlement_discount_pct == (0, 15)


def test_every_key_is_read():
    policy = PlanPolicy.from_dict(
        {
            "min_instalment": 500,
            "max_term_months": 18,
            "frequencies": ["monthly", "weekly"],
            "settlement_discount_pct": [10, 25],
            "missed_payments_to_break": 3,
            "first_payment_within_days": 14,
            "retry_attempts": 1,
            "retry_after_days": 5,
            "auto_accept_max_term_months": 12,
        }
    )
    assert policy == PlanPolicy(500, 18, (Frequency.WEEKLY, Frequency.MONTHLY), (10, 25), 3, 14, 1, 5, 12)


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        ({"min_instalment": "25"}, "min_instalment", 100),
        ({"min_instalment": 0}, "min_instalment", 100),
        ({"min_instalment": True}, "min_instalment", 100),
        ({"max_term_months": 0}, "max_term_months", 24),
        ({"max_term_months": MAX_TERM_MONTHS + 1}, "max_term_months", 24),
        ({"frequencies": ["daily"]}, "frequencies", tuple(Frequency)),
        ({"frequencies": "monthly"}, "frequencies", tuple(Frequency)),
        ({"settlement_discount_pct": [30, 10]}, "settlement_discount_pct", None),
        ({"settlement_discount_pct": [0, 100]}, "settlement_discount_pct", None),
        ({"settlement_discount_pct": ["5", 10]}, "settlement_discount_pct", None),
        ({"settlement_discount_max_pct": None}, "settlement_discount_pct", None),
        ({"auto_accept_max_term_months": 48}, "auto_accept_max_term_months", 24),
        ({"first_payment_within_days": -1}, "first_payment_within_days", 30),
    ],
)
def test_a_bad_value_falls_back_to_its_default(raw, field, expected):
    assert getattr(PlanPolicy.from_dict(raw), field) == expected


def test_the_default_minimum_comes_from_the_caller():
    assert PlanPolicy.from_dict({}, default_minimum=250).min_instalment == 250


def test_a_policy_built_by_hand_is_checked():
    with pytest.raises(ValueError):
        PlanPolicy(100, 24, (), None, 2, 30, 2, 3, 24)
    with pytest.raises(ValueError):
        PlanPolicy(100, 24, tuple(Frequency), None, 2, 30, 2, 3, 25)


def test_interest_goes_on_being_added_during_a_plan_unless_the_creditor_freezes_it():
    assert PlanPolicy.from_dict({}).freeze_interest_on_plan is False
    assert PlanPolicy.from_dict({"freeze_interest_on_plan": True}).freeze_interest_on_plan is True


def test_a_settlement_mentions_credit_files_only_for_a_creditor_that_reports_to_them():
    assert PlanPolicy.from_dict({}).reports_to_credit_files is False
    assert PlanPolicy.from_dict({"reports_to_credit_files": True}).reports_to_credit_files is True


@pytest.mark.parametrize("value", ["true", 1, "yes", None, [True]])
def test_only_a_json_true_freezes_interest_or_reports_to_credit_files(value):
    policy = PlanPolicy.from_dict({"freeze_interest_on_plan": value, "reports_to_credit_files": value})
    assert policy.freeze_interest_on_plan is False and policy.reports_to_credit_files is False


def test_a_payment_may_move_up_to_14_days_later_unless_the_creditor_says_otherwise():
    assert PlanPolicy.from_dict({}).move_payment_later_days == 14
    assert PlanPolicy.from_dict({"move_payment_later_days": 7}).move_payment_later_days == 7
    assert PlanPolicy.from_dict({"move_payment_later_days": 0}).move_payment_later_days == 0


@pytest.mark.parametrize("value", [-1, 29, "14", True, None])
def test_a_move_later_limit_out_of_range_takes_the_default(value):
    assert PlanPolicy.from_dict({"move_payment_later_days": value}).move_payment_later_days == 14


def test_the_promise_rules_default_to_a_month_the_smallest_instalment_and_one_open():
    policy = PlanPolicy.from_dict({"min_instalment": 2500})
    assert (policy.promise_latest_days, policy.least_promise, policy.promise_max_open) == (30, 2500, 1)


def test_the_promise_rules_are_read_and_bad_ones_fall_back():
    policy = PlanPolicy.from_dict({"promise_latest_days": 7, "promise_min_amount": 1000, "promise_max_open": 3})
    assert (policy.promise_latest_days, policy.least_promise, policy.promise_max_open) == (7, 1000, 3)
    bad = PlanPolicy.from_dict({"promise_latest_days": 400, "promise_min_amount": "ten", "promise_max_open": 0})
    assert (bad.promise_latest_days, bad.least_promise, bad.promise_max_open) == (30, 100, 1)


def test_a_settlement_is_one_payment_unless_the_creditor_allows_up_to_3():
    assert PlanPolicy.from_dict({}).settlement_instalments_max == 1
    assert PlanPolicy.from_dict({"settlement_instalments_max": 3}).settlement_instalments_max == 3
    for bad in (0, 4, "3", True, None):
        assert PlanPolicy.from_dict({"settlement_instalments_max": bad}).settlement_instalments_max == 1


def test_a_policy_built_by_hand_allows_at_most_3_settlement_payments():
    with pytest.raises(ValueError, match="settlement_instalments_max"):
        PlanPolicy(
            min_instalment=100,
            max_term_months=12,
            frequencies=tuple(Frequency),
            settlement_discount_pct=(0, 10),
            missed_payments_to_break=2,
            first_payment_within_days=30,
            retry_attempts=2,
            retry_after_days=3,
            auto_accept_max_term_months=12,
            settlement_instalments_max=4,
        )
