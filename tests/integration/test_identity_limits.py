"""Limits on identity answers: wrong answers are limited, right ones never block a shared address,
and the counts are shared by every app instance (worker) through Redis."""

import pytest
import requests
from limits import parse as parse_limit

from portal import create_app
from portal.extensions import db
from portal.models import LinkRequest, MagicLink
from tests.conftest import TEST_SETTINGS, Browser, csrf_from, main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link
from tests.live_server import serve

WRONG = {"date_of_birth-day": "1", "date_of_birth-month": "1", "date_of_birth-year": "1990"}


def _debtor(creditor=None):
    debtor = make_debtor(creditor)
    make_account(debtor)
    db.session.commit()
    return debtor


def _checked(debtor) -> int:
    """Wrong answers the portal compared for this debtor (refused ones are never compared)."""
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.sum(MagicLink.failed_attempts)).where(MagicLink.debtor_id == debtor.id))


def test_fifty_debtors_signing_in_from_one_address_all_get_in(app):
    """An office, a household or a mobile network: many people, one address, all with the right answers."""
    for _ in range(50):
        debtor = _debtor()
        response = Browser(app.test_client()).sign_in(make_link(debtor), debtor)
        assert response.headers["Location"] == "/accounts/"


def test_wrong_answers_from_one_address_are_still_limited(app):
    """Wrong answers on each of several links, one fewer than locks a link, until the address's limit."""
    per_address = parse_limit(app.config["IDENTITY_ATTEMPTS_PER_IP"]).amount
    below_the_lock = (
        min(app.config["IDENTITY_MAX_FAILURES"], parse_limit(app.config["IDENTITY_ATTEMPTS_PER_LINK"]).amount) - 1
    )
    browser = Browser(app.test_client())
    answered = 0
    while answered < per_address:
        browser.get(make_link(_debtor()))
        for _ in range(min(below_the_lock, per_address - answered)):
            response = browser.post("/verify", WRONG)
            assert response.status_code == 200
            assert "The details you entered do not match our records" in main_text(response)
            answered += 1
    debtor = _debtor()
    browser.get(make_link(debtor))
    assert browser.post("/verify", WRONG).status_code == 429
    born = debtor.date_of_birth
    right = {
        "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month),
        "date_of_birth-year": str(born.year),
    }
    assert browser.post("/verify", right).status_code == 429, "while limited, no answer is compared"
    assert "Too many wrong answers" in main_text(browser.post("/verify", right))
    assert _checked(debtor) == 0


class TestLimitedPage:
    @pytest.fixture
    def settings(self):
        return {"IDENTITY_ATTEMPTS_PER_IP": "2 per hour"}

    def test_the_limit_page_names_the_creditor_and_its_phone_and_offers_a_new_link(self, app, browser):
        creditor = make_creditor(name="Harbour Credit", phone="0113 496 0321")
        browser.get(make_link(_debtor()))
        browser.post("/verify", WRONG)
        browser.post("/verify", WRONG)
        debtor = _debtor(creditor)
        browser.get(make_link(debtor))

        response = browser.post("/verify", WRONG)

        assert response.status_code == 429
        text = main_text(response)
        assert "Too many wrong answers" in text
        assert "Harbour Credit on 0113 496 0321" in text
        assert "Send me a new link" in text
        assert browser.post("/new-link").headers["Location"] == "/new-link/sent"
        request = db.session.scalar(db.select(LinkRequest))
        assert (request.debtor_id, request.reason) == (debtor.id, "limited")


class TestPerDebtor:
    @pytest.fixture
    def settings(self):
        return {
            "IDENTITY_ATTEMPTS_PER_IP": "100 per hour",
            "IDENTITY_ATTEMPTS_PER_LINK": "100 per hour",
            "IDENTITY_ATTEMPTS_PER_DEBTOR": "3 per hour",
        }

    def test_wrong_answers_are_limited_per_debtor_across_their_links(self, app):
        debtor = _debtor()
        first, second = Browser(app.test_client()), Browser(app.test_client())
        first.get(make_link(debtor))
        second.get(make_link(debtor))
        statuses = [first.post("/verify", WRONG).status_code for _ in range(2)]
        statuses += [second.post("/verify", WRONG).status_code for _ in range(2)]
        assert statuses == [200, 200, 200, 429]
        assert _checked(debtor) == 3
        assert "Too many wrong answers" in main_text(first.post("/verify", WRONG))


class TestSharedByWorkers:
    """Two app instances in one process stand for two gunicorn workers (or two hosts)."""

    pytestmark = pytest.mark.commits

    @pytest.fixture
    def settings(self, redis_url):
        return {
            "RATELIMIT_STORAGE_URI": redis_url,
            "IDENTITY_ATTEMPTS_PER_IP": "100 per hour",
            "IDENTITY_ATTEMPTS_PER_DEBTOR": "100 per hour",
            "IDENTITY_ATTEMPTS_PER_LINK": "3 per hour",
        }

    @pytest.fixture
    def another_app(self, database_url, settings):
        def build(**overrides):
            other = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": database_url} | settings | overrides)
            built.append(other)
            return other

        built = []
        yield build
        for other in built:
            with other.app_context():
                db.engine.dispose()

    @staticmethod
    def _phone_at_the_question(base_url: str, link_path: str) -> tuple[requests.Session, str]:
        """One phone; its cookie works on every instance, as behind a load balancer."""
        phone = requests.Session()
        start = phone.get(base_url + link_path, timeout=10)
        question = phone.post(base_url + "/start", data={"csrf_token": csrf_from(start.text)}, timeout=10)
        return phone, csrf_from(question.text)

    def test_wrong_answers_split_across_two_apps_sharing_redis_are_counted_together(self, app, another_app):
        debtor = _debtor()
        link_path = make_link(debtor)
        with serve(app) as first, serve(another_app()) as second:
            phone, token = self._phone_at_the_question(first, link_path)
            answer = {"csrf_token": token} | WRONG
            statuses = [phone.post(url + "/verify", data=answer, timeout=10).status_code for url in (first, second)]
            statuses += [phone.post(url + "/verify", data=answer, timeout=10).status_code for url in (first, second)]
        assert statuses == [200, 200, 200, 429]
        assert _checked(debtor) == 3

    def test_each_app_counts_in_its_own_storage(self, app, another_app):
        """An app on Redis keeps counting in Redis when the process builds another app with memory
        storage: the memory app starts from nothing, and a third app on the same Redis sees the counts."""
        debtor = _debtor()
        link_path = make_link(debtor)
        in_memory = another_app(RATELIMIT_STORAGE_URI="memory://")
        with serve(app) as on_redis, serve(in_memory) as memory:
            phone, token = self._phone_at_the_question(on_redis, link_path)
            answer = {"csrf_token": token} | WRONG
            statuses = [phone.post(on_redis + "/verify", data=answer, timeout=10).status_code for _ in range(4)]
            statuses.append(phone.post(memory + "/verify", data=answer, timeout=10).status_code)
            with serve(another_app()) as also_on_redis:
                statuses.append(phone.post(also_on_redis + "/verify", data=answer, timeout=10).status_code)
        assert statuses == [200, 200, 200, 429, 200, 429]
