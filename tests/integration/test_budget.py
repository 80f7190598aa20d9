"""The budget tool through HTTP: save and resume, live totals, the result and its offer, guidelines, downloads."""

import csv
import gzip
import io
import re
from datetime import timedelta

import pytest

from portal import clock
from portal.budget.labels import LABELS
from portal.budget.structures import load_structure
from portal.extensions import db
from portal.models import AuditEvent, Budget, Plan
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor

QUICK = {
    "take_home_income": "1,500",
    "housing": "650",
    "bills": "180",
    "food": "300",
    "transport": "120",
    "other": "150",
}


def _amounts(values: dict[str, str], frequency: str = "monthly") -> dict[str, str]:
    form = {}
    for line_id, amount in values.items():
        form[f"{line_id}-amount"] = amount
        form[f"{line_id}-frequency"] = frequency
    return form


def _budget(budget_id: int) -> Budget:
    db.session.expire_all()
    return db.session.get(Budget, budget_id)


def _start(browser, mode: str) -> int:
    response = browser.post("/budget/", {"mode": mode})
    assert response.status_code == 303
    budget_id = int(re.search(r"/budget/(\d+)/household$", response.headers["Location"]).group(1))
    response = browser.post(f"/budget/{budget_id}/household", {"adults": "1", "children": "0", "vehicles": "1"})
    assert response.status_code == 303
    first_step = "quick" if mode == "quick" else "section/1"
    assert response.headers["Location"] == f"/budget/{budget_id}/{first_step}"
    return budget_id


def _quick(browser, values: dict[str, str]) -> int:
    budget_id = _start(browser, "quick")
    response = browser.post(f"/budget/{budget_id}/quick", _amounts(values) | {"action": "continue"})
    assert response.headers["Location"] == f"/budget/{budget_id}/result"
    return budget_id


@pytest.fixture
def creditor(app):
    creditor = make_uk_creditor(name="Harbour Credit", phone="0113 496 0321")
    db.session.commit()
    return creditor


@pytest.fixture
def debtor(creditor, browser):
    debtor = make_debtor(creditor, full_name="Sarah Jones")
    make_account(debtor, [("itemization", 20_000)], description="Mobile phone contract", reference="MM-300")
    make_account(debtor, [("itemization", 10_000)], description="Catalogue", reference="CT-77")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


# Starting and coming back


def test_the_dashboard_links_to_the_budget(browser, debtor):
    html = browser.get("/accounts/").get_data(as_text=True)
    assert 'href="/budget/"' in html and "Work out what you can afford" in html


def test_starting_needs_a_choice_of_quick_or_full(browser, debtor):
    response = browser.post("/budget/", {})
    assert response.status_code == 400
    assert "Choose the quick budget or the full statement" in main_text(response)
    assert db.session.scalar(db.select(db.func.count(Budget.id))) == 0


def test_the_household_step_explains_what_to_fix(browser, debtor):
    response = browser.post("/budget/", {"mode": "full"})
    household = response.headers["Location"]
    response = browser.post(household, {"adults": "0", "children": "two", "vehicles": ""})
    assert response.status_code == 400
    text = main_text(response)
    assert "There is a problem" in text
    assert "Enter how many adults live with you, including you, like 1 or 2" in text
    assert "Enter how many children live with you, or 0" in text
    assert 'value="two"' in response.get_data(as_text=True)


def test_a_full_statement_saved_part_way_resumes_at_the_next_section_after_signing_in_again(browser, debtor):
    budget_id = _start(browser, "full")
    response = browser.post(
        f"/budget/{budget_id}/section/1", _amounts({"earnings_you": "1200"}) | {"action": "continue"}
    )
    assert response.headers["Location"] == f"/budget/{budget_id}/section/2"

    browser.post("/sign-out")
    browser.sign_in(make_link(debtor), debtor)
    start = browser.get("/budget/")
    assert "Carry on with your budget" in main_text(start)
    assert browser.get(f"/budget/{budget_id}").headers["Location"] == f"/budget/{budget_id}/section/2"

    page = browser.get(f"/budget/{budget_id}/section/1").get_data(as_text=True)
    assert 'value="1200.00"' in page
    assert "Step 2 of 18" in page
    assert _budget(budget_id).lines == {"earnings_you": {"amount": 120_000, "frequency": "monthly"}}


def test_a_quick_budget_resumes_at_its_amounts_then_at_the_result(browser, debtor):
    budget_id = _start(browser, "quick")
    assert browser.get(f"/budget/{budget_id}").headers["Location"] == f"/budget/{budget_id}/quick"
    browser.post(f"/budget/{budget_id}/quick", _amounts(QUICK) | {"action": "continue"})
    assert browser.get(f"/budget/{budget_id}").headers["Location"] == f"/budget/{budget_id}/result"
    assert "See your budget" in main_text(browser.get("/budget/"))


def test_the_result_before_the_statement_is_finished_goes_back_to_the_next_step(browser, debtor):
    budget_id = _start(browser, "full")
    assert browser.get(f"/budget/{budget_id}/result").headers["Location"] == f"/budget/{budget_id}/section/1"


def test_changing_an_answer_from_the_result_comes_back_to_the_result(browser, debtor):
    budget_id = _quick(browser, QUICK)
    response = browser.post(
        f"/budget/{budget_id}/quick?return=result", _amounts(QUICK | {"food": "250"}) | {"action": "continue"}
    )
    assert response.headers["Location"] == f"/budget/{budget_id}/result"
    assert "£150.00" in main_text(browser.get(f"/budget/{budget_id}/result"))


def test_saving_is_audited(browser, debtor):
    _quick(browser, QUICK)
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.debtor_id == debtor.id)).all()
    assert {"budget.started", "budget.updated"} <= set(actions)


# Amounts and live totals


def test_the_totals_fragment_adds_up_what_is_typed_in_monthly_figures_without_saving(browser, debtor):
    budget_id = _start(browser, "full")
    response = browser.post(
        f"/budget/{budget_id}/totals/1",
        _amounts({"earnings_you": "100"}, "weekly") | {"earnings_partner-amount": "oops"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Total for Earnings £433.33" in text
    assert "Money coming in £433.33" in text
    assert "Left each month £433.33" in text
    assert _budget(budget_id).lines == {}


def test_the_running_totals_include_sections_saved_before(browser, debtor):
    budget_id = _start(browser, "full")
    browser.post(f"/budget/{budget_id}/section/1", _amounts({"earnings_you": "1000"}) | {"action": "continue"})
    rent = 5  # home and contents
    response = browser.post(f"/budget/{budget_id}/totals/{rent}", _amounts({"rent": "300"}, "fortnightly"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    assert "Total for Home and contents £650.00" in text
    assert "Money going out £650.00" in text
    assert "Left each month £350.00" in text


def test_update_the_totals_as_a_plain_post_saves_and_shows_the_page_with_totals(browser, debtor):
    budget_id = _start(browser, "full")
    response = browser.post(
        f"/budget/{budget_id}/section/1", _amounts({"earnings_you": "100"}, "weekly") | {"action": "update"}
    )
    assert response.status_code == 200
    assert "Total for Earnings £433.33" in main_text(response)
    budget = _budget(budget_id)
    assert budget.lines == {"earnings_you": {"amount": 10_000, "frequency": "weekly"}}
    assert budget.sections_done == 0


def test_the_page_is_wired_for_live_totals(browser, debtor):
    budget_id = _start(browser, "full")
    html = browser.get(f"/budget/{budget_id}/section/1").get_data(as_text=True)
    assert f'hx-post="/budget/{budget_id}/totals/1"' in html
    assert 'hx-trigger="input changed delay:300ms"' in html
    assert 'hx-target="#budget-totals"' in html and 'id="budget-totals" role="region" aria-live="polite"' in html


def test_an_amount_that_is_not_money_is_explained_and_kept(browser, debtor):
    budget_id = _start(browser, "full")
    response = browser.post(
        f"/budget/{budget_id}/section/1", _amounts({"earnings_you": "lots", "earnings_partner": "-5"})
    )
    assert response.status_code == 400
    text = main_text(response)
    assert "Enter the amount for Your take-home pay in numbers, like 50 or 50.00" in text
    assert "Enter the amount for Your partner's take-home pay as 0 or more" in text
    assert 'href="#earnings_you-amount"' in response.get_data(as_text=True)
    assert 'value="lots"' in response.get_data(as_text=True)
    assert _budget(budget_id).lines == {}


def test_a_quick_budget_has_no_full_statement_pages(browser, debtor):
    budget_id = _start(browser, "quick")
    assert browser.get(f"/budget/{budget_id}/section/1").status_code == 404
    assert "Page not found" in main_text(browser.get(f"/budget/{budget_id}/section/1"))
    assert browser.post(f"/budget/{budget_id}/totals/1", {}).status_code == 404


def test_a_section_past_the_end_is_not_found(browser, debtor):
    budget_id = _start(browser, "full")
    assert browser.get(f"/budget/{budget_id}/section/19").status_code == 404
    assert "Page not found" in main_text(browser.get(f"/budget/{budget_id}/section/19"))


# The result


def test_the_quick_result_is_marked_as_an_estimate_and_shares_the_offer_pro_rata(browser, debtor):
    budget_id = _quick(browser, QUICK | {"other": "200"})  # 1500 - 1450 = 50 left
    response = browser.get(f"/budget/{budget_id}/result")
    assert response.status_code == 200
    text = main_text(response)
    assert "Estimate" in text
    assert "Money coming in each month £1,500.00" in text
    assert "Money going out each month £1,450.00" in text
    assert "Left each month £50.00" in text
    # the suggestion keeps £25 back; £200 and £100 owed: 2/3 and 1/3 of £25, adding up to exactly £25
    assert "Mobile phone contract MM-300 £200.00 £16.67" in text
    assert "Catalogue CT-77 £100.00 £8.33" in text
    assert "Total £300.00 £25.00" in text
    assert "Where your money goes each month" in text
    assert _budget(budget_id).completed_at is not None


def test_the_chart_has_a_text_alternative_and_a_table(browser, debtor):
    budget_id = _quick(browser, QUICK)
    html = browser.get(f"/budget/{budget_id}/result").get_data(as_text=True)
    assert re.search(r'<svg class="budget-chart"[^>]*role="img" aria-labelledby="chart-title chart-desc"', html)
    assert "The biggest is Rent or mortgage, £650.00 a month" in html
    assert re.search(r"<td>Rent or mortgage</td><td class=\"amount\">£650.00</td><td class=\"amount\">43%</td>", html)


def test_the_offer_leaves_out_closed_and_paid_accounts(browser, debtor):
    make_account(debtor, [("itemization", 50_000)], description="Old loan", status="closed")
    make_account(debtor, [("itemization", 5_000), ("payment", -5_000)], description="Paid off")
    db.session.commit()
    budget_id = _quick(browser, QUICK)
    text = main_text(browser.get(f"/budget/{budget_id}/result"))
    assert "Old loan" not in text and "Paid off" not in text


def test_when_nothing_is_left_the_result_says_so_kindly_and_offers_help_not_a_plan(browser, debtor):
    budget_id = _quick(browser, QUICK | {"housing": "900"})
    response = browser.get(f"/budget/{budget_id}/result")
    text = main_text(response)
    assert '<a href="/help/circumstances">Tell us about your circumstances</a>' in response.get_data(as_text=True)
    assert "Short each month £150.00" in text
    assert "You have no money left over" in text
    assert "You do not have to offer money you do not have" in text
    assert "Call Harbour Credit on 0113 496 0321" in text
    assert "What you could pay" not in text


def test_when_more_is_left_than_is_owed_the_offer_is_the_balance(browser, debtor):
    budget_id = _quick(browser, QUICK | {"take_home_income": "2000"})  # £500 left, £300 owed
    text = main_text(browser.get(f"/budget/{budget_id}/result"))
    assert "you could pay everything off in one month" in text
    assert "Total £300.00 £300.00" in text


# Spending guidelines


@pytest.fixture
def guideline_creditor(creditor):
    creditor.policy = {"budget_guidelines": {"food": {"persons:1": 25_000}, "housing": {"persons:1": 80_000}}}
    db.session.commit()
    return creditor


def test_an_amount_above_the_guideline_asks_for_a_short_explanation(browser, guideline_creditor, debtor):
    budget_id = _quick(browser, QUICK)  # food £300 is above the £250 guideline; housing £650 is below £800
    response = browser.get(f"/budget/{budget_id}/result")
    assert response.headers["Location"] == f"/budget/{budget_id}/explain"

    page = browser.get(f"/budget/{budget_id}/explain")
    text = main_text(page)
    assert "Why do you spend £300.00 a month on Food and housekeeping?" in text
    assert "The usual amount for a household like yours is £250.00 a month." in text
    assert "Rent or mortgage" not in text

    refused = browser.post(f"/budget/{budget_id}/explain", {"explain-food": "  "})
    assert refused.status_code == 400
    assert "Tell us in a few words why you spend this on Food and housekeeping" in main_text(refused)

    done = browser.post(f"/budget/{budget_id}/explain", {"explain-food": "Special diet for coeliac disease"})
    assert done.headers["Location"] == f"/budget/{budget_id}/result"
    result = main_text(browser.get(f"/budget/{budget_id}/result"))
    assert "Food and housekeeping Special diet for coeliac disease" in result
    assert _budget(budget_id).explanations == {"food": "Special diet for coeliac disease"}


def test_a_bigger_household_has_a_bigger_guideline(browser, creditor, debtor):
    creditor.policy = {"budget_guidelines": {"food": {"persons:1": 25_000, "persons:3": 45_000}}}
    db.session.commit()
    budget_id = _quick(browser, QUICK)
    browser.post(f"/budget/{budget_id}/household", {"adults": "2", "children": "1", "vehicles": "1"})
    assert browser.get(f"/budget/{budget_id}/result").status_code == 200
    # food £300 is above the £250 guideline for one person but not the £450 for three: no question asked
    assert "Left each month £100.00" in main_text(browser.get(f"/budget/{budget_id}/result"))
    assert browser.get(f"/budget/{budget_id}/explain").headers["Location"] == f"/budget/{budget_id}/result"


def test_without_guidelines_no_amount_is_questioned(browser, debtor):
    budget_id = _quick(browser, QUICK | {"food": "2000", "take_home_income": "5000"})
    assert browser.get(f"/budget/{budget_id}/result").status_code == 200
    assert "Money going out each month £3,100.00" in main_text(browser.get(f"/budget/{budget_id}/result"))
    assert browser.get(f"/budget/{budget_id}/explain").headers["Location"] == f"/budget/{budget_id}/result"


# Propose this


def _first_payment(debtor, days: int = 7) -> dict[str, str]:
    first = clock.today_for(debtor) + timedelta(days=days)
    return {"first-day": str(first.day), "first-month": str(first.month), "first-year": str(first.year)}


def test_propose_this_sends_each_accounts_share_as_a_monthly_proposal_with_the_budget(browser, creditor, debtor):
    creditor.policy = {"min_instalment": 2_000}
    db.session.commit()
    budget_id = _quick(browser, QUICK | {"other": "200"})  # £50 left: the suggestion keeps £25 back
    result = browser.get(f"/budget/{budget_id}/result").get_data(as_text=True)
    assert f'<a class="button no-print" href="/budget/{budget_id}/offer">Choose how much to offer</a>' in result

    chosen = browser.post(f"/budget/{budget_id}/offer", {"amount": "50"})  # the debtor offers it all
    assert chosen.headers["Location"] == f"/budget/{budget_id}/propose?monthly=5000"
    check = browser.get(chosen.headers["Location"])
    text = main_text(check)
    assert "You are offering £50.00 a month" in text
    assert "Mobile phone contract MM-300 £33.33" in text and "Catalogue CT-77 £16.67" in text
    assert "Send my proposals" in text

    response = browser.post(f"/budget/{budget_id}/propose", _first_payment(debtor) | {"monthly": "5000"})
    assert response.headers["Location"] == f"/budget/{budget_id}/proposals"
    db.session.expire_all()
    plans = db.session.scalars(db.select(Plan).order_by(Plan.proposed_amount.desc())).all()
    assert [(plan.proposed_amount, plan.frequency, plan.source, plan.budget_id) for plan in plans] == [
        (3_333, "monthly", "budget", budget_id),
        (1_667, "monthly", "budget", budget_id),
    ]
    assert [plan.status for plan in plans] == ["draft", "pending_review"]

    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/plans/{plans[0].reference}/check">Agree to the plan for Mobile phone contract</a>' in page
    assert f'href="/plans/{plans[1].reference}">See your proposal for Catalogue</a>' in page
    sent = main_text(browser.get(response.headers["Location"]))
    assert "Your proposals have been sent" in sent
    assert "Mobile phone contract" in sent and "Accepted" in sent
    assert "Sent for review" in sent
    assert "The least we can agree straight away is £20.00 each time." in sent


def test_a_first_payment_date_in_the_past_is_explained(browser, debtor):
    budget_id = _quick(browser, QUICK)
    browser.get(f"/budget/{budget_id}/result")
    response = browser.post(f"/budget/{budget_id}/propose", _first_payment(debtor, days=-1) | {"monthly": "7500"})
    assert response.status_code == 400
    assert "The date of your first payment must be today or later" in main_text(response)
    assert db.session.scalar(db.select(db.func.count(Plan.id))) == 0


def test_there_is_nothing_to_propose_when_nothing_is_left(browser, debtor):
    budget_id = _quick(browser, QUICK | {"housing": "900"})
    browser.get(f"/budget/{budget_id}/result")
    assert browser.get(f"/budget/{budget_id}/offer").headers["Location"] == f"/budget/{budget_id}/result"
    assert browser.get(f"/budget/{budget_id}/propose?monthly=100").headers["Location"] == f"/budget/{budget_id}/offer"
    browser.post(f"/budget/{budget_id}/propose", _first_payment(debtor) | {"monthly": "100"})
    assert db.session.scalar(db.select(db.func.count(Plan.id))) == 0


# The suggested offer keeps a margin, and the debtor chooses


def test_the_result_suggests_an_offer_that_keeps_a_margin_for_the_unexpected(browser, debtor):
    budget_id = _quick(browser, QUICK)  # £100 left
    text = main_text(browser.get(f"/budget/{budget_id}/result"))
    assert "Left each month £100.00" in text
    assert (
        "You have £100.00 left each month. We suggest you offer £75.00 a month and keep £25.00 for things you "
        "cannot plan for, like a repair or a higher bill." in text
    )
    assert "Mobile phone contract MM-300 £200.00 £50.00" in text and "Catalogue CT-77 £100.00 £25.00" in text
    assert "Total £300.00 £75.00" in text


def test_a_large_surplus_keeps_10_percent_back(browser, debtor):
    budget_id = _quick(browser, QUICK | {"take_home_income": "2550"})  # £1,150 left
    text = main_text(browser.get(f"/budget/{budget_id}/result"))
    assert "We suggest you offer £1,035.00 a month and keep £115.00" in text
    assert "offer £1,150.00" not in text


def test_the_offer_step_fills_in_the_suggestion_says_the_margin_and_takes_another_amount(browser, debtor):
    budget_id = _quick(browser, QUICK)
    page = browser.get(f"/budget/{budget_id}/offer")
    text = main_text(page)
    assert "How much can you offer each month?" in text
    assert "Your budget leaves £100.00 each month." in text
    assert "We suggest you offer £75.00 and keep £25.00 a month for things you cannot plan for" in text
    assert 'value="75.00"' in page.get_data(as_text=True)

    chosen = browser.post(f"/budget/{budget_id}/offer", {"amount": "60"})
    assert chosen.headers["Location"] == f"/budget/{budget_id}/propose?monthly=6000"
    check = main_text(browser.get(chosen.headers["Location"]))
    assert "You are offering £60.00 a month" in check
    assert "Mobile phone contract MM-300 £40.00" in check and "Catalogue CT-77 £20.00" in check
    back = browser.get(f"/budget/{budget_id}/offer?monthly=6000").get_data(as_text=True)
    assert 'value="60.00"' in back  # "Change how much you offer" keeps their amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("150", "Enter an amount of £100.00 or less. That is what your budget leaves each month."),
        ("0", "Enter an amount more than £0.00"),
        ("lots", "Enter an amount in numbers, like 50 or 50.00"),
        ("", "Enter how much you can offer each month"),
    ],
)
def test_an_offer_the_budget_cannot_pay_says_what_to_enter(browser, debtor, typed, message):
    budget_id = _quick(browser, QUICK)
    browser.get(f"/budget/{budget_id}/result")
    response = browser.post(f"/budget/{budget_id}/offer", {"amount": typed})
    assert response.status_code == 400
    text = main_text(response)
    assert "There is a problem" in text and message in text


def test_an_amount_over_what_is_left_cannot_be_proposed_by_address(browser, debtor):
    budget_id = _quick(browser, QUICK)
    browser.get(f"/budget/{budget_id}/result")
    assert browser.get(f"/budget/{budget_id}/propose?monthly=10001").headers["Location"] == f"/budget/{budget_id}/offer"
    browser.post(f"/budget/{budget_id}/propose", _first_payment(debtor) | {"monthly": "10001"})
    assert db.session.scalar(db.select(db.func.count(Plan.id))) == 0


# Nothing for the home, with children: "Is that right?"

NOTHING_FOR_THE_HOME = QUICK | {"housing": "0", "bills": ""}


def _with_children(browser, values: dict[str, str], children: str = "2") -> int:
    budget_id = _quick(browser, values)
    response = browser.post(
        f"/budget/{budget_id}/household?return=result", {"adults": "1", "children": children, "vehicles": "1"}
    )
    assert response.status_code == 303
    return budget_id


def test_no_rent_or_bills_with_children_asks_is_that_right_before_the_result(browser, debtor):
    budget_id = _with_children(browser, NOTHING_FOR_THE_HOME)
    assert browser.get(f"/budget/{budget_id}/result").headers["Location"] == f"/budget/{budget_id}/essentials"
    text = main_text(browser.get(f"/budget/{budget_id}/essentials"))
    assert "You pay nothing for your home: is that right?" in text
    assert (
        "Your budget has nothing for rent or mortgage, and nothing for gas, electricity or water, "
        "and 2 children live with you." in text
    )
    assert browser.get(f"/budget/{budget_id}/offer").headers["Location"] == f"/budget/{budget_id}/result"


def test_saying_yes_goes_on_to_the_result_and_is_not_asked_again(browser, debtor):
    budget_id = _with_children(browser, NOTHING_FOR_THE_HOME)
    response = browser.post(f"/budget/{budget_id}/essentials", {"answer": "yes"})
    assert response.headers["Location"] == f"/budget/{budget_id}/result"
    assert "Left each month £930.00" in main_text(browser.get(f"/budget/{budget_id}/result"))
    assert _budget(budget_id).essentials_confirmed_at is not None
    assert browser.get(f"/budget/{budget_id}/essentials").headers["Location"] == f"/budget/{budget_id}/result"
    changed = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "budget.updated")).all()
    assert any(event.detail.get("part") == "essentials_confirmed" for event in changed)


def test_saying_no_goes_back_to_fix_the_amounts(browser, debtor):
    budget_id = _with_children(browser, NOTHING_FOR_THE_HOME)
    response = browser.post(f"/budget/{budget_id}/essentials", {"answer": "no"})
    assert response.headers["Location"] == f"/budget/{budget_id}/quick?return=result"
    fixed = browser.post(f"/budget/{budget_id}/quick?return=result", _amounts(QUICK) | {"action": "continue"})
    assert fixed.headers["Location"] == f"/budget/{budget_id}/result"
    assert browser.get(f"/budget/{budget_id}/result").status_code == 200


def test_is_that_right_needs_an_answer(browser, debtor):
    budget_id = _with_children(browser, NOTHING_FOR_THE_HOME)
    response = browser.post(f"/budget/{budget_id}/essentials", {})
    assert response.status_code == 400
    assert "Choose yes if that is right, or no to change your answers" in main_text(response)


def test_rent_or_bills_with_children_or_nothing_for_the_home_without_them_is_not_questioned(browser, debtor):
    with_rent = _with_children(browser, QUICK)
    assert browser.get(f"/budget/{with_rent}/result").status_code == 200
    no_children = _quick(browser, NOTHING_FOR_THE_HOME)
    assert browser.get(f"/budget/{no_children}/result").status_code == 200


# Downloads


def test_the_budget_downloads_as_json(browser, guideline_creditor, debtor):
    budget_id = _quick(browser, QUICK)
    browser.post(f"/budget/{budget_id}/explain", {"explain-food": "Special diet"})
    response = browser.get(f"/budget/{budget_id}/budget.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="budget-')
    data = response.get_json()
    assert data["estimate"] is True and data["currency"] == "GBP"
    assert data["household"] == {"adults": 1, "children": 0, "vehicles": 1}
    assert data["totals"]["income_monthly_minor"] == 150_000
    assert data["totals"]["left_monthly"] == "100.00"
    food = next(line for section in data["sections"] for line in section["lines"] if line["id"] == "food")
    assert food == {
        "id": "food",
        "label": "Food and housekeeping",
        "amount_minor": 30_000,
        "frequency": "monthly",
        "monthly_minor": 30_000,
    }
    assert data["above_guideline"] == [
        {
            "id": "food",
            "label": "Food and housekeeping",
            "monthly_minor": 30_000,
            "guideline_minor": 25_000,
            "explanation": "Special diet",
        }
    ]


def test_the_budget_downloads_as_csv_with_monthly_figures(browser, guideline_creditor, debtor):
    budget_id = _start(browser, "quick")
    browser.post(f"/budget/{budget_id}/quick", _amounts(QUICK) | _amounts({"food": "75"}, "weekly"))
    browser.post(f"/budget/{budget_id}/explain", {"explain-food": '=HYPERLINK("http://evil")'})
    response = browser.get(f"/budget/{budget_id}/budget.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Section", "Item", "Amount", "How often", "Each month", "Why it is more than the guideline"]
    assert [
        "Outgoings",
        "Food and housekeeping",
        "75.00",
        "Every week",
        "325.00",
        '\'=HYPERLINK("http://evil")',
    ] in rows
    assert ["Left each month", "", "", "", "75.00", ""] in rows


# Nobody else's budget


def test_another_debtor_cannot_read_or_change_the_budget(app, browser, debtor):
    budget_id = _quick(browser, QUICK)
    intruder = make_debtor(debtor.creditor)
    make_account(intruder)
    db.session.commit()
    browser.post("/sign-out")
    browser.sign_in(make_link(intruder), intruder)

    for path in (
        "",
        "/household",
        "/quick",
        "/result",
        "/explain",
        "/essentials",
        "/offer",
        "/propose",
        "/proposals",
        "/budget.json",
        "/budget.csv",
    ):
        assert browser.get(f"/budget/{budget_id}{path}").status_code == 404, path
        if not path.startswith("/budget."):
            assert "Page not found" in main_text(browser.get(f"/budget/{budget_id}{path}")), path
    for path in ("/household", "/quick", "/totals/0", "/explain", "/essentials", "/offer", "/propose"):
        assert browser.post(f"/budget/{budget_id}{path}", _amounts(QUICK)).status_code == 404, path
    assert "Carry on with your budget" not in main_text(browser.get("/budget/"))
    assert _budget(budget_id).lines["food"] == {"amount": 30_000, "frequency": "monthly"}


def test_the_budget_needs_signing_in(client, app):
    assert client.get("/budget/").status_code == 302
    assert client.get("/budget/").headers["Location"] == "/?next=%2Fbudget%2F"


# Words and weight


def test_every_structure_label_is_listed_for_translation(app):
    with app.test_request_context():
        listed = {str(text) for text in LABELS}
    used = set()
    for jurisdiction in ("UK", "US"):
        full = load_structure(jurisdiction)
        for structure in (full, full.quick):
            for section in structure.sections:
                used.add(section.label)
                used.update(line.label for line in section.lines)
    assert listed == used


def test_the_longest_section_page_is_under_14_kb_gzipped(browser, debtor):
    budget_id = _start(browser, "full")
    page = browser.get(f"/budget/{budget_id}/section/2")  # benefits: 13 lines
    assert len(gzip.compress(page.get_data(), compresslevel=6)) < 14 * 1024
