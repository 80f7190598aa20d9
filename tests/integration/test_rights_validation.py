"""The US validation information page: every element of the CFPB's model validation notice, for each account;
who each debt is owed to (never the collector), and the debt collector named on every page."""

import html
import re
from datetime import date

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from portal import clock, create_app
from portal.extensions import db
from portal.models import Account
from tests.conftest import TEST_SETTINGS, main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor

TODAY = date(2026, 11, 23)  # a Monday
# Like the demo's Maria Garcia: a credit card from Lakeside Bank, collected by Northwind Recovery.
LEDGER = [
    ("itemization", 184_250),
    ("interest", 2_150),
    ("interest", 2_150),
    ("fee", 3_500),
    ("payment", -10_000),
    ("payment", -5_000),
    ("credit", -1_000),
]


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: TODAY)


@pytest.fixture
def northwind(app):
    return make_creditor(
        name="Northwind Recovery",
        is_debt_collector=True,
        mailing_address="PO Box 4410, Springfield, IL 62701",
        phone="(555) 010-0142",
        timezone="America/Chicago",
    )


@pytest.fixture
def maria(northwind):
    return make_debtor(northwind, full_name="Maria Garcia", address="2323 Park Street, Springfield, IL 62704")


@pytest.fixture
def credit_card(maria):
    account = make_account(
        maria,
        LEDGER,
        description="credit card",
        reference="NW-4417",
        original_reference="4417-2291",
        original_creditor="Lakeside Bank",
        itemization_date=date(2026, 4, 23),
        # Sent Thursday 19 November 2026. Assumed received 5 business days later, not counting the
        # weekend or Thanksgiving (Thursday 26 November): Fri 20, Mon 23, Tue 24, Wed 25, Fri 27.
        # The validation period ends 30 days after Friday 27 November: Sunday 27 December 2026.
        validation_notice_sent_on=date(2026, 11, 19),
    )
    db.session.commit()
    return account


def _text(response) -> str:
    return main_text(response).replace(" ,", ",").replace(" .", ".")


def _page(browser, debtor, account):
    browser.sign_in(make_link(debtor), debtor)
    response = browser.get(f"/accounts/{account.id}/validation")
    assert response.status_code == 200
    return response


def test_the_validation_page_has_every_element_of_the_model_notice(browser, maria, credit_card):
    response = _page(browser, maria, credit_card)
    text = _text(response)
    page = response.get_data(as_text=True)
    expected = [
        # that this is a communication from a debt collector
        "Northwind Recovery is a debt collector.",
        "We will use any information you give us to help collect the debt.",
        # the debt collector's name and mailing address
        "Northwind Recovery PO Box 4410, Springfield, IL 62701",
        # the consumer's name and address
        "Maria Garcia 2323 Park Street, Springfield, IL 62704",
        # the creditor on the itemization date and the account number
        "You had an account with Lakeside Bank: credit card, account number 4417-2291.",
        "Creditor on April 23, 2026 Lakeside Bank",
        "Account number 4417-2291",
        # the current creditor: the debt's owner, never the collector
        "We are trying to collect a debt that you owe to Lakeside Bank.",
        "Current creditor Lakeside Bank",
        # the itemization date and the amount on it
        "Itemization date April 23, 2026",
        "As of April 23, 2026, you owed: $1,842.50",
        # interest, fees, payments and credits since
        "Between April 23, 2026 and today:",
        "You were charged this amount in interest: + $43.00",
        "You were charged this amount in fees: + $35.00",
        "You paid or were credited this amount toward the debt: − $160.00",
        # the current amount
        "Total amount of the debt now: $1,760.50",
        # the end of the validation period, with a countdown
        "34 days left to dispute",
        "The validation period ends on December 27, 2026.",
        # how to dispute
        "How can you dispute the debt?",
        "Call or write to us by December 27, 2026 to dispute all or part of the debt.",
        "If you write to us by December 27, 2026, we must stop collection on any amount you dispute",
        # how to ask for the original creditor's name and address
        "Write to ask for the name and address of the original creditor, if different from the current creditor.",
        "If you write by December 27, 2026, we must stop collection until we send you that information.",
        # the CFPB's website
        "Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law.",
        # in Spanish, alongside
        "Póngase en contacto con nosotros para solicitar una copia de este formulario en español.",
    ]
    missing = [item for item in expected if item not in text]
    assert missing == []
    assert 'href="https://www.cfpb.gov/debt-collection"' in page
    assert f'action="/accounts/{credit_card.id}/original-creditor"' in page
    assert "Send my dispute" in text
    assert "Ask for the original creditor's name and address" in text


def test_the_countdown_says_when_it_is_the_last_day(browser, maria, credit_card, monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: date(2026, 12, 27))
    text = _text(_page(browser, maria, credit_card))
    assert "Today is the last day to dispute" in text


def test_after_the_validation_period_the_debtor_can_still_dispute(browser, maria, credit_card, monkeypatch):
    monkeypatch.setattr(clock, "today_for", lambda debtor, now=None: date(2027, 1, 4))
    text = _text(_page(browser, maria, credit_card))
    assert "The validation period ended on December 27, 2026. You can still dispute this debt" in text
    assert "Send my dispute" in text


def test_a_creditor_that_is_not_a_debt_collector_does_not_say_it_is_one(browser, app):
    debtor = make_debtor(make_creditor(name="Prairie Bank", is_debt_collector=False))
    account = make_account(debtor, validation_notice_sent_on=date(2026, 11, 19))
    db.session.commit()
    text = _text(_page(browser, debtor, account))
    assert "is a debt collector" not in text
    assert "We are trying to collect a debt that you owe to Prairie Bank." in text


def test_a_time_barred_debt_carries_the_notice(browser, maria, credit_card):
    credit_card.time_barred = True
    db.session.commit()
    text = _text(_page(browser, maria, credit_card))
    assert "Because of the age of this debt, Northwind Recovery cannot sue you for it." in text


def test_a_debt_that_is_not_time_barred_has_no_such_notice(browser, maria, credit_card):
    assert "cannot sue you" not in _text(_page(browser, maria, credit_card))


def test_the_creditor_on_the_itemization_date_and_the_current_creditor_can_differ(browser, maria, credit_card):
    credit_card.itemization_creditor = "Lakeside Card Services"
    credit_card.current_creditor = "Harbor Debt Holdings"
    db.session.commit()
    text = _text(_page(browser, maria, credit_card))
    assert "You had an account with Lakeside Card Services: credit card" in text
    assert "We are trying to collect a debt that you owe to Harbor Debt Holdings." in text


def test_without_a_sent_notice_the_page_explains_disputing_without_a_date(browser, maria):
    account = make_account(maria)
    db.session.commit()
    text = _text(_page(browser, maria, account))
    assert "days left" not in text
    assert "Call or write to us to dispute all or part of the debt." in text


def test_uk_accounts_have_no_validation_page(browser, app):
    debtor = make_debtor(make_uk_creditor())
    account = make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    assert browser.get(f"/accounts/{account.id}/validation").status_code == 404
    assert "Page not found" in main_text(browser.get(f"/accounts/{account.id}/validation"))


def test_the_account_page_links_to_the_validation_information(browser, maria, credit_card):
    browser.sign_in(make_link(maria), maria)
    page = browser.get(f"/accounts/{credit_card.id}").get_data(as_text=True)
    assert f'href="/accounts/{credit_card.id}/validation"' in page
    assert f'href="/accounts/{credit_card.id}/validation#dispute"' in page


def test_the_page_reads_in_spanish_when_spanish_is_chosen(browser, maria, credit_card):
    browser.sign_in(make_link(maria), maria)
    browser.post("/language", {"language": "es", "next": "/"})
    response = browser.get(f"/accounts/{credit_card.id}/validation")
    assert response.status_code == 200
    assert '<html lang="es">' in response.get_data(as_text=True)
    assert "Póngase en contacto" not in response.get_data(as_text=True)
    assert "Información sobre esta deuda" in main_text(response)


# Who the debt is owed to


def test_an_account_must_name_who_the_debt_is_owed_to(maria):
    db.session.add(
        Account(
            debtor=maria,
            reference="NO-OWNER",
            description="credit card",
            original_creditor="Lakeside Bank",
            currency="USD",
            itemization_date=date(2026, 4, 23),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_current_creditor_is_the_owner_a_collector_names(browser, maria, credit_card):
    credit_card.current_creditor = "Harbor Debt Holdings"
    db.session.commit()
    text = _text(_page(browser, maria, credit_card))
    assert "We are trying to collect a debt that you owe to Harbor Debt Holdings." in text
    assert "owe to Northwind Recovery" not in text


def _footer(response) -> str:
    footer = re.search(r"<footer.*?</footer>", response.get_data(as_text=True), re.S).group(0)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", footer)))


def test_every_page_of_a_us_debt_collector_says_it_is_one(browser, maria, credit_card):
    browser.sign_in(make_link(maria), maria)
    for path in [
        "/accounts/",
        f"/accounts/{credit_card.id}",
        f"/accounts/{credit_card.id}/pay",
        f"/accounts/{credit_card.id}/what-happens-next",
        f"/accounts/{credit_card.id}/validation",
        "/rights",
    ]:
        response = browser.get(path)
        assert response.status_code == 200, path
        assert "Northwind Recovery is a debt collector." in _footer(response), path


@pytest.mark.parametrize(
    "creditor",
    [
        {"name": "Prairie Bank", "is_debt_collector": False},
        {"name": "Harbour Credit", "is_debt_collector": True, "jurisdiction": "UK", "currency": "GBP"},
    ],
    ids=["US creditor collecting its own debt", "UK collector"],
)
def test_only_a_us_debt_collector_carries_the_statement(browser, app, creditor):
    debtor = make_debtor(make_creditor(**creditor))
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    assert "is a debt collector" not in _footer(browser.get("/accounts/"))


def test_signed_out_pages_name_no_debt_collector(browser, maria, credit_card):
    assert "is a debt collector" not in _footer(browser.get(make_link(maria), follow_redirects=True))
    assert "Continue" in main_text(browser.get(make_link(maria), follow_redirects=True)), "the page checked is /start"


@pytest.fixture
def database_at_the_last_revision_without_owners(tmp_path, database_url):
    """A database migrated to the revision before every account had to name its owner: a SQLite file, or a
    scratch PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'owners.db'}"
        return
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS owners_check CASCADE"))
        connection.execute(text("CREATE SCHEMA owners_check"))
    separator = "&" if "?" in database_url else "?"
    yield f"{database_url}{separator}options=-csearch_path%3Downers_check"
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA owners_check CASCADE"))
    engine.dispose()


def test_upgrading_names_an_owner_for_every_account_and_never_the_collector(
    database_at_the_last_revision_without_owners,
):
    app = create_app(TEST_SETTINGS | {"SQLALCHEMY_DATABASE_URI": database_at_the_last_revision_without_owners})
    with app.app_context():
        upgrade(revision="b8741a770506")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO creditor (id, slug, name, jurisdiction, currency, locale, timezone, identity_method,"
                    " link_lifetime_days, is_debt_collector, policy, brand_colour, created_at) VALUES"
                    " (1, 'bank', 'Prairie Bank', 'US', 'USD', 'en_US', 'UTC', 'date_of_birth', 30, false, '{}',"
                    " '#1d4f91', CURRENT_TIMESTAMP),"
                    " (2, 'nw', 'Northwind Recovery', 'US', 'USD', 'en_US', 'UTC', 'date_of_birth', 30, true, '{}',"
                    " '#1d4f91', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO debtor (id, creditor_id, reference, full_name, date_of_birth, postcode,"
                    " session_version, created_at) VALUES (1, 1, 'D-1', 'A', '1980-01-01', '1', 0, CURRENT_TIMESTAMP),"
                    " (2, 2, 'D-2', 'B', '1980-01-01', '1', 0, CURRENT_TIMESTAMP)"
                )
            )
            for number, debtor_id, itemization_creditor, current_creditor in [
                (1, 1, None, None),  # the bank's own debt
                (2, 2, None, None),  # collected for the original creditor
                (3, 2, "Lakeside Card Services", None),  # collected for the creditor on the itemization date
                (4, 2, None, "Harbor Debt Holdings"),  # already named
            ]:
                connection.execute(
                    text(
                        "INSERT INTO account (id, debtor_id, reference, description, original_creditor, currency,"
                        " status, itemization_date, itemization_creditor, current_creditor, time_barred,"
                        " statute_barred, monthly_interest, created_at) VALUES (:id, :debtor, :reference, 'Card',"
                        " 'Lakeside Bank', 'USD', 'open', '2026-01-15', :itemization, :current, false, false, 0,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": number,
                        "debtor": debtor_id,
                        "reference": f"A-{number}",
                        "itemization": itemization_creditor,
                        "current": current_creditor,
                    },
                )
        upgrade()
        with db.engine.connect() as connection:
            owners = connection.execute(text("SELECT current_creditor FROM account ORDER BY id")).scalars().all()
        db.engine.dispose()
    assert owners == ["Prairie Bank", "Lakeside Bank", "Lakeside Card Services", "Harbor Debt Holdings"]
