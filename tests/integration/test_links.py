"""Opening a link and proving who you are, through HTTP as a phone would."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.demo.service import DEBTORS
from portal.extensions import db
from portal.links import service
from portal.models import LinkRequest, MagicLink
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor


def _dob(day="17", month="5", year="1980"):
    return {"date_of_birth-day": day, "date_of_birth-month": month, "date_of_birth-year": year}


@pytest.fixture
def debtor(app):
    debtor = make_debtor()
    make_account(debtor)
    db.session.commit()
    return debtor


def _only_link(debtor) -> MagicLink:
    db.session.expire_all()
    return db.session.scalar(db.select(MagicLink).where(MagicLink.debtor_id == debtor.id))


def test_opening_a_link_redirects_the_token_out_of_the_address_bar(browser, debtor):
    response = browser.get(make_link(debtor))
    assert response.status_code == 302
    assert response.headers["Location"] == "/start"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_continue_page_names_the_creditor_and_signs_nobody_in(browser, debtor):
    browser.get(make_link(debtor))
    page = browser.get("/start").get_data(as_text=True)
    assert debtor.creditor.name in page
    assert "Continue" in page
    assert browser.get("/accounts/").status_code == 302
    assert browser.get("/accounts/").headers["Location"] == "/?next=%2Faccounts%2F"


def test_opening_a_link_many_times_consumes_nothing(browser, debtor):
    path = make_link(debtor)
    for _ in range(3):
        opened = browser.get(path)
        assert opened.status_code == 302
        assert opened.headers["Location"] == "/start"
    assert _only_link(debtor).open_count == 3
    browser.sign_in(path, debtor)
    assert browser.get("/accounts/").status_code == 200
    assert "What you owe" in main_text(browser.get("/accounts/"))


def test_the_right_date_of_birth_signs_in_and_shows_the_dashboard(browser, debtor):
    browser.get(make_link(debtor))
    browser.post("/start")
    response = browser.post("/verify", _dob())
    assert response.headers["Location"] == "/accounts/"
    assert "What you owe" in browser.get("/accounts/").get_data(as_text=True)


def test_a_wrong_date_of_birth_shows_an_error_summary_and_the_tries_left(app, browser, debtor):
    browser.get(make_link(debtor))
    page = browser.post("/verify", _dob(day="18")).get_data(as_text=True)
    assert "There is a problem" in page
    assert "do not match our records" in page
    assert f"{app.config['IDENTITY_MAX_FAILURES'] - 1} more times" in page
    assert 'value="18"' in page, "the input is kept"
    assert _only_link(debtor).failed_attempts == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_dob("", "", ""), "Enter your date of birth"),
        (_dob(month=""), "Date of birth must include a month"),
        (_dob(day="31", month="2"), "Date of birth must be a real date"),
        (_dob(year="80"), "Year must include 4 numbers"),
        (_dob(year="2999"), "Date of birth must be in the past"),
    ],
)
def test_an_incomplete_date_of_birth_says_what_to_do_and_costs_no_try(browser, debtor, answer, message):
    browser.get(make_link(debtor))
    page = browser.post("/verify", answer).get_data(as_text=True)
    assert message in page
    assert _only_link(debtor).failed_attempts == 0


def test_five_wrong_answers_lock_the_link_even_against_the_right_answer(app, browser, debtor):
    path = make_link(debtor)
    browser.get(path)
    for _ in range(app.config["IDENTITY_MAX_FAILURES"] - 1):
        assert browser.post("/verify", _dob(day="1")).status_code == 200
    locked = browser.post("/verify", _dob(day="1"))
    assert locked.status_code == 403
    assert "This link has been locked" in locked.get_data(as_text=True)
    assert _only_link(debtor).locked_at is not None

    assert browser.get(path).status_code == 403
    assert "This link has been locked" in main_text(browser.get(path))
    assert browser.post("/verify", _dob()).status_code != 302
    assert "Send me a new link" in main_text(browser.post("/verify", _dob())), "still no way in but a new link"
    assert browser.get("/accounts/").status_code == 302
    assert browser.get("/accounts/").headers["Location"] == "/?next=%2Faccounts%2F"


def test_the_right_answer_on_the_last_try_signs_in_and_costs_no_try(app, browser, debtor):
    last_try = app.config["IDENTITY_MAX_FAILURES"] - 1
    browser.get(make_link(debtor))
    for _ in range(last_try):
        browser.post("/verify", _dob(day="1"))
    assert browser.post("/verify", _dob()).headers["Location"] == "/accounts/"
    link = _only_link(debtor)
    assert (link.failed_attempts, link.locked_at) == (last_try, None)


def test_a_uk_creditor_asks_for_the_postcode_and_ignores_case_and_spaces(app, browser):
    debtor = make_debtor(make_uk_creditor(), postcode="LS6 2AB")
    db.session.commit()
    browser.get(make_link(debtor))
    assert "What is your postcode?" in browser.get("/verify").get_data(as_text=True)
    assert browser.post("/verify", {"postcode": "ls62ab"}).headers["Location"] == "/accounts/"


def _demo_answers() -> set[str]:
    """Every demo debtor's answer to the identity question, as it could be written."""
    answers = set()
    for _slug, _reference, _name, born, postcode, _email, _accounts in DEBTORS:
        answers |= {f"{born.day} {born.month} {born.year}", born.isoformat(), str(born.year), postcode}
    return answers


@pytest.mark.parametrize(
    "creditor",
    [make_creditor, lambda: make_creditor(identity_method="postcode"), make_uk_creditor],
    ids=["date-of-birth", "zip-code", "postcode"],
)
def test_the_identity_question_gives_no_demo_debtors_answer_as_its_example(browser, creditor):
    debtor = make_debtor(creditor())
    db.session.commit()
    browser.get(make_link(debtor))
    page = main_text(browser.get("/verify"))
    assert "Day" in page or "code" in page
    assert [answer for answer in _demo_answers() if answer in page] == []


def test_a_forged_link_shows_a_kind_page_with_a_way_to_ask_for_a_new_one(browser, debtor):
    token = make_link(debtor).removeprefix("/l/")
    response = browser.get(f"/l/{token[:-2]}xx")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This link does not work" in page
    assert "Send me a new link" in page


def test_an_expired_link_says_so(browser, debtor):
    path = make_link(debtor, ttl_days=1)
    link = _only_link(debtor)
    link.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = browser.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)


def test_a_revoked_link_says_so(browser, debtor):
    path = make_link(debtor)
    _only_link(debtor).revoked_at = datetime.now(UTC)
    db.session.commit()
    response = browser.get(path)
    assert response.status_code == 410
    assert "no longer active" in response.get_data(as_text=True)


def test_a_link_revoked_after_opening_stops_the_identity_check(browser, debtor):
    path = make_link(debtor)
    browser.get(path)
    _only_link(debtor).revoked_at = datetime.now(UTC)
    db.session.commit()
    refused = browser.post("/verify", _dob())
    assert refused.status_code == 410
    assert "This link is no longer active" in main_text(refused)


def test_asking_for_a_new_link_after_an_expired_one_records_the_request(browser, debtor):
    path = make_link(debtor)
    _only_link(debtor).expires_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    browser.get(path)
    response = browser.post("/new-link")
    assert response.headers["Location"] == "/new-link/sent"
    request = db.session.scalar(db.select(LinkRequest))
    assert (request.debtor_id, request.reason) == (debtor.id, "expired")


def test_asking_for_a_new_link_from_a_forged_one_needs_a_way_to_reach_you(browser, debtor):
    browser.get("/l/not-a-real-token")
    refused = browser.post("/new-link", {"contact": ""})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Enter your name and a phone number or email address" in page
    assert db.session.scalar(db.select(LinkRequest)) is None

    response = browser.post("/new-link", {"contact": "Ana, 555 0100"})
    assert response.headers["Location"] == "/new-link/sent"
    request = db.session.scalar(db.select(LinkRequest))
    assert (request.debtor_id, request.reason, request.contact) == (None, "invalid", "Ana, 555 0100")


class TestRateLimits:
    @pytest.fixture
    def settings(self):
        return {"IDENTITY_ATTEMPTS_PER_IP": "3 per hour", "IDENTITY_ATTEMPTS_PER_LINK": "2 per hour"}

    def test_identity_attempts_are_limited_per_link(self, browser, debtor):
        browser.get(make_link(debtor))
        assert browser.post("/verify", _dob(day="1")).status_code == 200
        assert browser.post("/verify", _dob(day="1")).status_code == 200
        response = browser.post("/verify", _dob())
        assert response.status_code == 429
        assert "Too many wrong answers" in response.get_data(as_text=True)
        assert _only_link(debtor).failed_attempts == 2, "a refused answer is not compared"

    def test_identity_attempts_are_limited_per_address_across_links(self, app, browser):
        debtors = [make_debtor() for _ in range(2)]
        db.session.commit()
        statuses = []
        for debtor in debtors:
            browser.get(make_link(debtor))
            statuses += [browser.post("/verify", _dob(day="1")).status_code for _ in range(2)]
        assert statuses == [200, 200, 200, 429]
        assert "Too many wrong answers" in main_text(browser.post("/verify", _dob(day="1")))


def test_a_link_to_a_page_opens_that_page_after_the_identity_check(browser, debtor):
    response = browser.sign_in(make_link(debtor, destination="/help/contact"), debtor)
    assert response.headers["Location"] == "/help/contact"


@pytest.mark.parametrize("destination", ["https://evil.example/", "//evil.example/", "accounts/", "/\\evil.example"])
def test_a_link_cannot_lead_off_the_site(app, debtor, destination):
    with pytest.raises(ValueError):
        make_link(debtor, destination=destination)


def test_a_short_address_opens_the_same_link_and_leads_to_the_identity_question(app, client):
    debtor = make_debtor()
    link, _ = service.issue_link(debtor)
    db.session.commit()
    assert len(link.short_code) >= 8 and service.short_url(link.short_code).endswith(f"/s/{link.short_code}")
    response = client.get(f"/s/{link.short_code.lower()}")
    assert response.headers["Location"] == "/start"
    db.session.refresh(link)
    assert link.open_count == 1 and link.sign_in_count == 0, "opening never signs in"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"revoked_at": datetime(2026, 1, 1, tzinfo=UTC)}, 410),
        ({"locked_at": datetime(2026, 1, 1, tzinfo=UTC)}, 403),
        ({"expires_at": datetime(2020, 1, 1, tzinfo=UTC)}, 410),
    ],
)
def test_a_short_address_keeps_every_protection_of_its_link(app, client, change, status):
    link, _ = service.issue_link(make_debtor())
    for name, value in change.items():
        setattr(link, name, value)
    db.session.commit()
    assert client.get(f"/s/{link.short_code}").status_code == status


def test_an_unknown_short_code_is_not_found_and_guessing_is_rate_limited(app, client):
    app.config["SHORT_LINK_OPENS_PER_IP"] = "3 per hour"
    statuses = [client.get(f"/s/{service.short_code()}").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_bulk_links_each_get_their_own_short_code(app):
    creditor = make_creditor()
    ids = [make_debtor(creditor).id for _ in range(3)]
    issued = service.issue_links(creditor, ids)
    assert len({link.short_code for link in issued}) == 3
    assert all(service.find_by_short_code(link.short_code).debtor_id in ids for link in issued)


@pytest.mark.parametrize(
    ("creditor", "order", "example"),
    [(make_uk_creditor, ["day", "month", "year"], "27 3 2007"), (make_creditor, ["month", "day", "year"], "3 27 2007")],
)
def test_the_date_of_birth_boxes_follow_the_way_the_debtors_region_writes_dates(browser, creditor, order, example):
    debtor = make_debtor(creditor(identity_method="date_of_birth"))
    db.session.commit()
    browser.get(make_link(debtor))
    html = browser.get("/verify").get_data(as_text=True)
    positions = [html.index(f'name="date_of_birth-{part}"') for part in order]
    assert positions == sorted(positions)
    assert f"For example, {example}" in html
    assert 'autocomplete="bday-day"' in html and 'type="date"' not in html
