"""The budget engine: monthly figures, totals, guideline checks and pro rata offers, worked by hand."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.budget.engine import (
    ESSENTIAL_HOME_LINES,
    BudgetLine,
    GuidelineFlag,
    Household,
    LineFrequency,
    guideline_flags,
    guideline_for,
    nothing_for_the_home_with_children,
    pro_rata_offer,
    suggested_offer,
    summarise,
    to_monthly,
)
from portal.budget.structures import Kind, load_structure, parse_structure

UK = load_structure("UK")
US = load_structure("US")
MONTHLY = LineFrequency.MONTHLY
WEEKLY = LineFrequency.WEEKLY
FORTNIGHTLY = LineFrequency.FORTNIGHTLY

SFS_SECTIONS = [
    ("earnings", Kind.INCOME),
    ("benefits", Kind.INCOME),
    ("pensions", Kind.INCOME),
    ("other_income", Kind.INCOME),
    ("home_contents", Kind.FIXED),
    ("utilities", Kind.FIXED),
    ("water", Kind.FIXED),
    ("care_health", Kind.FIXED),
    ("transport_travel", Kind.FIXED),
    ("school", Kind.FIXED),
    ("pensions_insurances", Kind.FIXED),
    ("professional", Kind.FIXED),
    ("other_essential", Kind.FIXED),
    ("communications_leisure", Kind.FLEXIBLE),
    ("food_housekeeping", Kind.FLEXIBLE),
    ("personal", Kind.FLEXIBLE),
    ("savings", Kind.SAVINGS),
]


def _all_ids(structure):
    return [section.id for section in structure.sections] + [
        line.id for section in structure.sections for line in section.lines
    ]


# --- structures -------------------------------------------------------------------------------


def test_uk_structure_follows_the_standard_financial_statement_in_order():
    assert [(section.id, section.kind) for section in UK.sections] == SFS_SECTIONS
    assert [section.label for section in UK.sections][:5] == [
        "Earnings",
        "Benefits and tax credits",
        "Pensions",
        "Other income",
        "Home and contents",
    ]


def test_us_structure_follows_the_irs_collection_financial_standards():
    assert [section.id for section in US.sections] == [
        "income",
        "national_standards",
        "health_care",
        "housing_utilities",
        "vehicle_ownership",
        "vehicle_operating",
        "public_transportation",
        "other_necessary",
    ]
    assert {section.kind for section in US.sections} == {Kind.INCOME, Kind.EXPENSE}
    national = next(section for section in US.sections if section.id == "national_standards")
    assert [line.id for line in national.lines] == [
        "food",
        "housekeeping_supplies",
        "apparel_services",
        "personal_care",
        "miscellaneous",
    ]


@pytest.mark.parametrize("structure", [UK, US, UK.quick, US.quick], ids=["UK", "US", "UK quick", "US quick"])
def test_every_id_in_a_structure_is_unique_and_every_label_is_short(structure):
    ids = _all_ids(structure)
    assert len(ids) == len(set(ids))
    labels = [section.label for section in structure.sections] + [
        line.label for section in structure.sections for line in section.lines
    ]
    assert all(0 < len(label) <= 45 for label in labels)


def test_uk_lines_include_the_usual_household_bills():
    ids = set(_all_ids(UK))
    assert {"rent", "mortgage", "council_tax", "gas", "electricity", "groceries", "savings_contribution"} <= ids


@pytest.mark.parametrize("structure", [UK, US], ids=["UK", "US"])
def test_quick_budget_has_take_home_income_and_five_kinds_of_spending(structure):
    quick = structure.quick
    assert quick.estimate is True
    assert structure.estimate is False
    assert [(section.kind, [line.id for line in section.lines]) for section in quick.sections] == [
        (Kind.INCOME, ["take_home_income"]),
        (Kind.EXPENSE, ["housing", "bills", "food", "transport", "other"]),
    ]


def test_unknown_jurisdiction_has_no_structure():
    with pytest.raises(ValueError, match="no budget structure"):
        load_structure("FR")
    with pytest.raises(ValueError, match="not a jurisdiction"):
        load_structure("../uk")


def _minimal(sections, quick=None):
    return {
        "jurisdiction": "XX",
        "sections": sections,
        "quick": quick or [{"id": "take_home_income", "label": "Pay", "kind": "income"}],
    }


def test_structure_with_an_id_used_twice_is_refused():
    data = _minimal(
        [
            {"id": "food", "label": "Food", "kind": "flexible", "lines": [{"id": "food", "label": "Food"}]},
        ]
    )
    with pytest.raises(ValueError, match="used twice"):
        parse_structure(data)


def test_structure_with_an_unknown_kind_is_refused():
    data = _minimal([{"id": "a", "label": "A", "kind": "luxuries", "lines": [{"id": "b", "label": "B"}]}])
    with pytest.raises(ValueError, match="luxuries"):
        parse_structure(data)


def test_quick_item_that_is_neither_income_nor_expense_is_refused():
    data = _minimal(
        [{"id": "a", "label": "A", "kind": "income", "lines": [{"id": "b", "label": "B"}]}],
        quick=[{"id": "rent", "label": "Rent", "kind": "fixed"}],
    )
    with pytest.raises(ValueError, match="income or expense"):
        parse_structure(data)


# --- to_monthly -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "frequency", "monthly"),
    [
        (10_000, LineFrequency.WEEKLY, 43_333),  # £100 × 52 / 12 = £433.333…
        (10_000, LineFrequency.FORTNIGHTLY, 21_667),  # £100 × 26 / 12 = £216.666…
        (10_000, LineFrequency.FOUR_WEEKLY, 10_833),  # £100 × 13 / 12 = £108.333…
        (10_000, LineFrequency.MONTHLY, 10_000),
        (30_000, LineFrequency.QUARTERLY, 10_000),  # £300 / 3
        (120_000, LineFrequency.YEARLY, 10_000),  # £1,200 / 12
    ],
)
def test_amounts_become_monthly(amount, frequency, monthly):
    assert to_monthly(amount, frequency) == monthly


@pytest.mark.parametrize(
    ("amount", "frequency", "monthly"),
    [
        (3, LineFrequency.FORTNIGHTLY, 7),  # 3p × 26 / 12 = 6.5p: a tie goes up
        (6, LineFrequency.YEARLY, 1),  # 0.5p goes up
        (18, LineFrequency.YEARLY, 2),  # 1.5p goes up
        (5, LineFrequency.YEARLY, 0),  # 0.4166…p goes down
        (1, LineFrequency.QUARTERLY, 0),  # 0.333…p goes down
        (2, LineFrequency.QUARTERLY, 1),  # 0.666…p goes up
        (3, LineFrequency.WEEKLY, 13),  # 3p × 52 / 12 = 13p exactly
    ],
)
def test_monthly_amounts_round_half_up_to_the_nearest_minor_unit(amount, frequency, monthly):
    assert to_monthly(amount, frequency) == monthly


EXACT = {
    LineFrequency.WEEKLY: Fraction(52, 12),
    LineFrequency.FORTNIGHTLY: Fraction(26, 12),
    LineFrequency.FOUR_WEEKLY: Fraction(13, 12),
    LineFrequency.MONTHLY: Fraction(1),
    LineFrequency.QUARTERLY: Fraction(1, 3),
    LineFrequency.YEARLY: Fraction(1, 12),
}
amounts = st.integers(min_value=0, max_value=10**12)


@given(amounts, st.sampled_from(LineFrequency))
def test_monthly_amount_is_within_half_a_minor_unit_of_the_exact_value(amount, frequency):
    assert abs(to_monthly(amount, frequency) - amount * EXACT[frequency]) <= Fraction(1, 2)


@given(amounts, amounts, st.sampled_from(LineFrequency))
def test_paying_more_never_gives_a_smaller_monthly_amount(a, b, frequency):
    low, high = sorted((a, b))
    assert to_monthly(low, frequency) <= to_monthly(high, frequency)


def test_budget_line_refuses_floats_and_negative_amounts():
    with pytest.raises(TypeError):
        BudgetLine("rent", 100.5, MONTHLY)
    with pytest.raises(ValueError, match="negative"):
        BudgetLine("rent", -1, MONTHLY)


# --- summarise --------------------------------------------------------------------------------


def _uk_example():
    return summarise(
        UK,
        [
            BudgetLine("earnings_you", 150_000, MONTHLY),  # £1,500.00
            BudgetLine("child_benefit", 10_000, FORTNIGHTLY),  # £216.67
            BudgetLine("rent", 10_000, WEEKLY),  # £433.33
            BudgetLine("council_tax", 12_000, MONTHLY),  # £120.00
            BudgetLine("groceries", 5_000, WEEKLY),  # £216.67
            BudgetLine("savings_contribution", 1_000, MONTHLY),  # £10.00
        ],
    )


def test_summary_converts_each_line_to_monthly():
    summary = _uk_example()
    assert summary.line_totals["child_benefit"] == 21_667
    assert summary.line_totals["rent"] == 43_333
    assert summary.line_totals["groceries"] == 21_667
    assert summary.line_totals["gas"] == 0


def test_summary_totals_each_section_and_kind():
    summary = _uk_example()
    assert summary.section_totals["earnings"] == 150_000
    assert summary.section_totals["benefits"] == 21_667
    assert summary.section_totals["home_contents"] == 43_333 + 12_000
    assert summary.section_totals["food_housekeeping"] == 21_667
    assert summary.section_totals["utilities"] == 0
    assert summary.kind_totals == {Kind.INCOME: 171_667, Kind.FIXED: 55_333, Kind.FLEXIBLE: 21_667, Kind.SAVINGS: 1_000}


def test_disposable_income_is_income_less_fixed_flexible_and_savings():
    summary = _uk_example()
    assert summary.income_total == 171_667
    assert summary.outgoings_total == 55_333 + 21_667 + 1_000
    assert summary.disposable == 171_667 - 78_000 == 93_667
    assert summary.estimate is False


def test_disposable_income_is_negative_when_outgoings_exceed_income():
    summary = summarise(UK, [BudgetLine("earnings_you", 80_000, MONTHLY), BudgetLine("rent", 90_000, MONTHLY)])
    assert summary.disposable == -10_000


def test_us_expenses_all_count_as_outgoings():
    summary = summarise(
        US,
        [
            BudgetLine("wages_you", 300_000, MONTHLY),
            BudgetLine("food", 10_000, WEEKLY),  # $433.33
            BudgetLine("rent", 120_000, MONTHLY),
            BudgetLine("taxes", 45_000, MONTHLY),
        ],
    )
    assert summary.section_totals["national_standards"] == 43_333
    assert summary.outgoings_total == 43_333 + 120_000 + 45_000
    assert summary.disposable == 300_000 - 208_333


def test_empty_budget_adds_up_to_nothing():
    summary = summarise(UK, [])
    assert (summary.income_total, summary.outgoings_total, summary.disposable) == (0, 0, 0)


def test_summary_refuses_a_line_the_structure_does_not_have():
    with pytest.raises(ValueError, match="not a line"):
        summarise(UK, [BudgetLine("property_taxes", 100, MONTHLY)])
    with pytest.raises(ValueError, match="not a line"):
        summarise(UK, [BudgetLine("home_contents", 100, MONTHLY)])


def test_summary_refuses_the_same_line_twice():
    with pytest.raises(ValueError, match="twice"):
        summarise(UK, [BudgetLine("rent", 100, MONTHLY), BudgetLine("rent", 200, WEEKLY)])


def test_quick_budget_is_summarised_the_same_way_and_marked_as_an_estimate():
    summary = summarise(
        UK.quick,
        [
            BudgetLine("take_home_income", 40_000, WEEKLY),  # £1,733.33
            BudgetLine("housing", 65_000, MONTHLY),
            BudgetLine("bills", 20_000, MONTHLY),
            BudgetLine("food", 7_500, WEEKLY),  # £325.00
            BudgetLine("transport", 10_000, FORTNIGHTLY),  # £216.67
            BudgetLine("other", 5_000, MONTHLY),
        ],
    )
    assert summary.estimate is True
    assert summary.income_total == 173_333
    assert summary.outgoings_total == 65_000 + 20_000 + 32_500 + 21_667 + 5_000
    assert summary.disposable == 173_333 - 144_167 == 29_166


# --- spending guidelines ----------------------------------------------------------------------

SINGLE_PARENT = Household(adults=1, children=2, vehicles=1)


def test_no_guidelines_configured_means_no_flags():
    assert guideline_flags(_uk_example(), {}, SINGLE_PARENT) == []


def test_spending_above_the_guideline_asks_for_an_explanation():
    guidelines = {"food_housekeeping": {"adults:1,children:2": 20_000}}
    assert guideline_flags(_uk_example(), guidelines, SINGLE_PARENT) == [
        GuidelineFlag(item_id="food_housekeeping", monthly_minor=21_667, guideline_minor=20_000)
    ]


def test_spending_at_or_below_the_guideline_is_not_questioned():
    at = {"food_housekeeping": {"adults:1,children:2": 21_667}}
    below = {"groceries": {"adults:1,children:2": 30_000}}
    assert guideline_flags(_uk_example(), at, SINGLE_PARENT) == []
    assert guideline_flags(_uk_example(), below, SINGLE_PARENT) == []


def test_guidelines_can_name_lines_as_well_as_sections():
    guidelines = {"groceries": {"per_person": 5_000}, "home_contents": {"persons:3": 50_000}}
    assert guideline_flags(_uk_example(), guidelines, SINGLE_PARENT) == [
        GuidelineFlag(item_id="home_contents", monthly_minor=55_333, guideline_minor=50_000),
        GuidelineFlag(item_id="groceries", monthly_minor=21_667, guideline_minor=15_000),
    ]


def test_guideline_for_another_household_is_not_applied():
    guidelines = {"food_housekeeping": {"adults:2,children:0": 10_000}}
    assert guideline_flags(_uk_example(), guidelines, SINGLE_PARENT) == []


def test_guideline_for_a_line_this_structure_lacks_is_ignored():
    guidelines = {"property_taxes": {"per_person": 0}}
    assert guideline_flags(_uk_example(), guidelines, SINGLE_PARENT) == []


def test_most_specific_household_key_wins():
    figures = {
        "adults:1,children:2,vehicles:1": 100,
        "adults:1,children:2": 200,
        "persons:3": 300,
        "per_person": 400,
    }
    assert guideline_for(figures, SINGLE_PARENT) == 100
    assert guideline_for(figures, Household(adults=1, children=2, vehicles=0)) == 200
    assert guideline_for(figures, Household(adults=2, children=1, vehicles=0)) == 300
    assert guideline_for(figures, Household(adults=2, children=2, vehicles=0)) == 1_600
    assert guideline_for({"adults:2,children:0": 1}, SINGLE_PARENT) is None


def test_household_needs_an_adult_and_no_negative_counts():
    with pytest.raises(ValueError, match="household"):
        Household(adults=0, children=1, vehicles=0)
    with pytest.raises(ValueError, match="household"):
        Household(adults=1, children=-1, vehicles=0)


# --- pro rata offer ---------------------------------------------------------------------------


def test_offer_is_shared_in_proportion_to_balances():
    # £100.00 over £1,000.00 and £2,000.00: 33.333… and 66.666…; the spare penny goes to the larger remainder
    assert pro_rata_offer(10_000, {"card": 100_000, "loan": 200_000}) == {"card": 3_333, "loan": 6_667}


def test_offer_never_pays_more_than_is_owed():
    assert pro_rata_offer(500_000, {"card": 100_000, "loan": 200_000}) == {"card": 100_000, "loan": 200_000}


@pytest.mark.parametrize("available", [0, -5_000])
def test_nothing_available_means_nothing_offered(available):
    assert pro_rata_offer(available, {"card": 100_000, "loan": 200_000}) == {"card": 0, "loan": 0}


def test_offer_with_no_accounts_is_empty():
    assert pro_rata_offer(10_000, {}) == {}


def test_account_with_nothing_owed_gets_nothing():
    assert pro_rata_offer(1_000, {1: 0, 2: 3_000, 3: 7_000}) == {1: 0, 2: 300, 3: 700}


def test_tied_remainders_go_to_the_account_listed_first():
    assert pro_rata_offer(1, {"b": 500, "a": 500}) == {"b": 1, "a": 0}
    assert pro_rata_offer(2, {"x": 100, "y": 100, "z": 100}) == {"x": 1, "y": 1, "z": 0}


def test_negative_balance_is_refused():
    with pytest.raises(ValueError, match="negative"):
        pro_rata_offer(100, {"card": -1})


balances = st.dictionaries(st.text(min_size=1, max_size=4), st.integers(min_value=0, max_value=10**9), max_size=8)


@given(st.integers(min_value=-(10**9), max_value=10**10), balances)
def test_pro_rata_shares_add_up_exactly_to_what_is_offered(available, owed):
    shares = pro_rata_offer(available, owed)
    assert list(shares) == list(owed)
    assert sum(shares.values()) == min(max(available, 0), sum(owed.values()))


@given(st.integers(min_value=0, max_value=10**10), balances)
def test_no_pro_rata_share_exceeds_its_balance_or_strays_a_penny_from_fair(available, owed):
    shares = pro_rata_offer(available, owed)
    total = sum(owed.values())
    offered = min(available, total)
    for account, balance in owed.items():
        assert 0 <= shares[account] <= balance
        assert abs(shares[account] - Fraction(balance * offered, total or 1)) < 1


# The suggested offer keeps a margin for the unexpected


@pytest.mark.parametrize(
    ("left", "offer", "margin"),
    [
        (115_000, 103_500, 11_500),  # £1,150 left: keep 10%, £115
        (10_000, 7_500, 2_500),  # £100 left: 10% is £10, so keep £25
        (3_000, 1_500, 1_500),  # £30 left: £25 would leave too little, so keep half
        (25_130, 22_600, 2_530),  # 10% is £25.13, rounded up; the offer rounded down to a whole pound
        (150, 75, 75),  # under a pound to offer: not rounded away to nothing
        (1, 0, 1),
        (0, 0, 0),
        (-5_000, 0, 0),  # short each month: nothing to offer and nothing to keep
    ],
)
def test_the_suggested_offer_keeps_10_percent_or_at_least_25_back(left, offer, margin):
    suggestion = suggested_offer(left)
    assert (suggestion.offer, suggestion.margin) == (offer, margin)


@given(st.integers(-10_000_000, 10_000_000))
def test_the_suggestion_always_keeps_something_back_and_never_offers_more_than_is_left(left):
    suggestion = suggested_offer(left)
    assert 0 <= suggestion.offer <= suggestion.available == max(left, 0)
    assert suggestion.margin * 10 >= suggestion.available
    if left > 0:
        assert suggestion.margin > 0


@given(st.integers(0, 5_000_000), st.integers(1, 100_000))
def test_more_left_never_means_a_smaller_suggestion(left, more):
    assert suggested_offer(left + more).offer >= suggested_offer(left).offer


def _summary_with(amounts: dict[str, int], structure=None):
    structure = structure or load_structure("UK")
    lines = [BudgetLine(line_id, amount, LineFrequency.MONTHLY) for line_id, amount in amounts.items()]
    return summarise(structure, lines)


def test_no_rent_mortgage_or_bills_with_children_at_home_is_worth_asking_about():
    summary = _summary_with({"earnings_you": 200_000, "groceries": 40_000})
    assert nothing_for_the_home_with_children(summary, Household(adults=1, children=2, vehicles=0))


def test_no_rent_or_bills_without_children_is_not_asked_about():
    summary = _summary_with({"earnings_you": 200_000})
    assert not nothing_for_the_home_with_children(summary, Household(adults=1, children=0, vehicles=0))
    assert not nothing_for_the_home_with_children(summary, None)


@pytest.mark.parametrize("line", ["rent", "mortgage", "gas", "electricity", "water_supply"])
def test_any_rent_mortgage_or_bill_means_there_is_nothing_to_ask(line):
    summary = _summary_with({"earnings_you": 200_000, line: 1_000})
    assert not nothing_for_the_home_with_children(summary, Household(adults=2, children=1, vehicles=0))


def test_the_quick_budget_and_the_us_statement_are_checked_too():
    household = Household(adults=1, children=1, vehicles=0)
    for structure in (load_structure("UK").quick, load_structure("US"), load_structure("US").quick):
        assert nothing_for_the_home_with_children(_summary_with({}, structure), household)
        home = next(line for line in ESSENTIAL_HOME_LINES if line in _summary_with({}, structure).line_totals)
        assert not nothing_for_the_home_with_children(_summary_with({home: 50_000}, structure), household)
