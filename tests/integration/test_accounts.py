"""The dashboard and account pages: what is owed, and never anyone else's account."""

import html
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from babel import Locale

from portal import clock
from portal.accounts import wording
from portal.demo.service import seed
from portal.extensions import db
from portal.models import Account, LedgerEntry
from portal.models.account import LedgerWording
from portal.plans.service.making import submit_proposal
from tests.conftest import main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor

LEDGER = [("itemization", 150_000), ("interest", 2_150), ("fee", 3_500), ("payment", -10_000), ("credit", -1_000)]


@pytest.fixture
def debtor(app, browser):
    debtor = make_debtor(full_name="Maria Garcia")
    make_account(debtor, LEDGER, description="Credit card", reference="4417-2291", original_creditor="Lakeside Bank")
    make_account(debtor, [("itemization", 92_000)], description="Hospital bill")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def test_the_dashboard_starts_with_the_total_owed(browser, debtor):
    text = main_text(browser.get("/accounts/"))
    assert "You owe $2,366.50" in text
    assert text.index("You owe") < text.index("Your accounts")


def test_the_dashboard_lists_each_account_with_its_details(browser, debtor):
    text = main_text(browser.get("/accounts/"))
    for expected in [
        "Credit card",
        "Balance $1,446.50",
        "Account reference 4417-2291",
        "Original creditor Lakeside Bank",
        "Hospital bill",
        "Balance $920.00",
        "Status Open",
        f"Owed to {debtor.creditor.name}",
    ]:
        assert expected in text


def test_each_card_has_one_main_action_finishing_a_plan_before_paying(browser, debtor):
    planned = db.session.scalar(db.select(Account).where(Account.description == "Hospital bill"))
    plan = submit_proposal(debtor, planned, 10_000, "monthly", clock.today_for(debtor) + timedelta(days=3))
    db.session.commit()
    page = browser.get("/accounts/").get_data(as_text=True)
    cards = re.findall(r'<li class="card">(.*?)</li>', page, re.S)
    assert [card.count('class="button') for card in cards] == [1, 1]
    plain, started = cards
    assert 'class="button pay"' in plain and "Set up a payment plan" in plain
    assert f'class="button" href="/plans/{plan.reference}"' in started
    assert 'class="action pay"' in started


def test_the_words_about_finding_it_hard_to_pay_are_said_once_not_on_every_card(browser, debtor):
    text = main_text(browser.get("/accounts/"))
    assert text.count("finding it hard to pay") == 1


def test_the_dashboard_offers_help_before_consequences(browser, debtor):
    assert "If you're finding it hard to pay, tell us" in browser.get("/accounts/").get_data(as_text=True)


def test_the_dashboard_offers_each_help_page_once_and_other_pages_in_the_footer(browser, debtor):
    help_pages = ["/help/messages", "/help/contact", "/help/viewed"]
    dashboard = browser.get("/accounts/").get_data(as_text=True)
    assert [dashboard.count(f'href="{path}"') for path in help_pages] == [1, 1, 1]
    footer = browser.get("/rights").get_data(as_text=True).split("<footer")[1]
    assert all(f'href="{path}"' in footer for path in help_pages)


def test_balances_are_formatted_in_the_accounts_currency(app, browser):
    debtor = make_debtor(make_uk_creditor())
    make_account(debtor, [("itemization", 123_456)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    assert "£1,234.56" in main_text(browser.get("/accounts/"))


def test_the_account_page_itemizes_the_balance(browser, debtor):
    account = debtor_account(debtor, "Credit card")
    text = main_text(browser.get(f"/accounts/{account.id}"))
    assert "You owed on January 15, 2026 $1,500.00" in text
    assert "Interest added since then + $21.50" in text
    assert "Fees added since then + $35.00" in text
    assert "Payments since then − $100.00" in text
    assert "Credits since then − $10.00" in text
    assert "You owe now $1,446.50" in text


def test_the_account_page_shows_the_history_newest_first(browser, debtor):
    account = debtor_account(debtor, "Credit card")
    text = main_text(browser.get(f"/accounts/{account.id}"))
    history = text[text.index("History") :]
    positions = [history.index(word) for word in ["Credit", "Payment", "Fee", "Interest", "Balance on the itemization"]]
    assert positions == sorted(positions)


def debtor_account(debtor, description) -> Account:
    return db.session.scalar(
        db.select(Account).where(Account.debtor_id == debtor.id, Account.description == description)
    )


def test_account_pages_need_a_signed_in_debtor(app, client):
    debtor = make_debtor()
    account = make_account(debtor)
    db.session.commit()
    dashboard = client.get("/accounts/")
    assert dashboard.status_code == 302
    assert dashboard.headers["Location"] == "/?next=%2Faccounts%2F"
    assert client.get(f"/accounts/{account.id}").headers["Location"].startswith("/")
    assert client.get(f"/accounts/{account.id}").headers["Location"] == f"/?next=%2Faccounts%2F{account.id}"


def test_queries_per_page_do_not_grow_with_accounts_or_entries(app, browser, count_queries):
    def queries_for(accounts: int, entries: int) -> tuple[int, int]:
        debtor = make_debtor()
        made = [make_account(debtor, [("itemization", 1_000)] + [("interest", 10)] * entries) for _ in range(accounts)]
        db.session.commit()
        browser.sign_in(make_link(debtor), debtor)
        with count_queries() as dashboard:
            browser.get("/accounts/")
        with count_queries() as account:
            browser.get(f"/accounts/{made[0].id}")
        return dashboard.count, account.count

    assert queries_for(1, 1) == queries_for(3, 30)


def test_the_account_page_translates_only_the_words_it_shows(browser, translations, monkeypatch):
    """Each row of the history translates its own kind and each card its own status: translating every kind
    for every row took a fifth of the account page's time (bench/render.py). A row's words are chosen by
    portal.accounts.wording, so its translations are counted too."""
    debtor = make_debtor()
    account = make_account(debtor, [("itemization", 1_000)] + [("interest", 10)] * 30)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    words = wording._

    def counting(message, **variables):
        translations[message] += 1
        return words(message, **variables)

    monkeypatch.setattr(wording, "_", counting)
    translations.clear()
    text = main_text(browser.get(f"/accounts/{account.id}"))

    assert text.count("Interest") - text.count("Interest added") == 20 and "Open" in text
    assert translations["Interest"] == 20 and translations["Open"] == 1
    assert translations["Fee"] == translations["Credit"] == translations["Closed"] == 0


def test_the_dashboard_translates_the_words_on_every_card_once(browser, translations):
    debtor = make_debtor()
    for _ in range(3):
        make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    translations.clear()
    text = main_text(browser.get("/accounts/"))

    assert text.count("Owed to") == text.count("Account reference") == 3
    assert all(translations[label] == 1 for label in ("Balance", "Status", "Account reference", "Owed to")), (
        translations
    )


def test_amounts_and_dates_are_formatted_with_a_locale_parsed_once_per_process(app, browser, monkeypatch):
    """Babel parses a locale given by name, and looks up its data, on every call: the account page's 20 dates
    and 27 amounts did it 47 times a request."""
    debtor = make_debtor()
    account = make_account(debtor, [("itemization", 1_000)] + [("interest", 10)] * 30)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    browser.get(f"/accounts/{account.id}")
    parsed = Counter()
    parse = Locale.parse

    def counting(identifier, *args, **kwargs):
        parsed[identifier if isinstance(identifier, str) else "a Locale"] += 1
        return parse(identifier, *args, **kwargs)

    monkeypatch.setattr(Locale, "parse", staticmethod(counting))
    text = main_text(browser.get(f"/accounts/{account.id}"))

    assert "You owe now $13.00" in text and "January 15, 2026" in text
    assert parsed["en_US"] == 0, parsed


def test_the_account_page_shows_the_latest_entries_and_pages_back_to_the_oldest(browser, debtor):
    account = make_account(debtor, [("itemization", 10_000)] + [("interest", 100 + n) for n in range(44)])
    db.session.commit()
    page = browser.get(f"/accounts/{account.id}")
    text = main_text(page)
    assert text.count("Interest") - text[: text.index("History")].count("Interest") == 20
    assert "$1.43" in text and "$1.24" in text and "$1.23" not in text  # the 20 newest: 143 down to 124
    older = re.search(r'href="([^"]+)">Show older entries', page.get_data(as_text=True)).group(1)
    assert "Back to the latest" not in text

    second = browser.get(html.unescape(older))
    text = main_text(second)
    assert "$1.23" in text and "$1.04" in text and "$1.03" not in text and "$1.24" not in text
    assert "Back to the latest" in text
    oldest = re.search(r'href="([^"]+)">Show older entries', second.get_data(as_text=True)).group(1)

    last = main_text(browser.get(html.unescape(oldest)))
    assert "$1.03" in last and "$1.00" in last and "Balance on the itemization" in last
    assert "Show older entries" not in last


def test_a_history_position_that_does_not_parse_starts_from_the_newest(browser, debtor):
    account = debtor_account(debtor, "Credit card")
    text = main_text(browser.get(f"/accounts/{account.id}?before=not-a-position"))
    assert "Credit" in text[text.index("History") :]


def test_the_account_page_shows_one_page_of_history_and_sums_the_whole_ledger(app, browser):
    """The itemization is summed by the database and the history is one page, whatever the ledger holds."""
    debtor = make_debtor()
    short = make_account(debtor, [("itemization", 1_000)] + [("interest", 10)] * 5)
    long = make_account(debtor, [("itemization", 1_000)] + [("interest", 10)] * 500)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    for account in (short, long):
        page = browser.get(f"/accounts/{account.id}").get_data(as_text=True)
        assert page.count('<td class="when">') == (6 if account is short else 20)
    assert "You owe now $10.50" in main_text(browser.get(f"/accounts/{short.id}"))
    assert "You owe now $60.00" in main_text(browser.get(f"/accounts/{long.id}"))


@pytest.fixture
def paid_debtor(app, browser):
    debtor = make_debtor()
    make_account(debtor, [("itemization", 5_000), ("interest", 100), ("payment", -5_100)], description="Paid card")
    make_account(debtor, [("itemization", 9_000)], description="Open loan")
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def test_an_account_paid_in_full_says_so_with_the_day_on_the_dashboard(browser, paid_debtor):
    paid, still_open = main_text(browser.get("/accounts/")).split("Paid card", 1)[1].split("Open loan", 1)
    assert "Status Paid in full" in paid and "Status Open" not in paid
    assert "Paid in full on January 17, 2026. There is nothing more to pay on this account." in paid
    assert "Status Open" in still_open and "Paid in full" not in still_open


def test_an_account_paid_in_full_says_so_with_the_day_on_its_page(browser, paid_debtor):
    text = main_text(browser.get(f"/accounts/{debtor_account(paid_debtor, 'Paid card').id}"))
    assert "Status Paid in full" in text and "Status Open" not in text
    assert "Paid in full on January 17, 2026." in text


def test_paid_in_full_is_the_day_of_the_payment_or_credit_that_last_cleared_the_balance(app, browser):
    debtor = make_debtor()
    owed_again = make_account(debtor, [("itemization", 5_000), ("payment", -5_000), ("fee", 100), ("credit", -100)])
    overpaid = make_account(debtor, [("itemization", 5_000), ("payment", -6_000), ("credit", -100)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    assert "Paid in full on January 18, 2026." in main_text(browser.get(f"/accounts/{owed_again.id}"))
    assert "Paid in full on January 16, 2026." in main_text(browser.get(f"/accounts/{overpaid.id}"))


def test_an_account_cleared_by_a_write_off_is_not_said_to_be_paid(app, browser):
    debtor = make_debtor()
    written_off = make_account(debtor, [("itemization", 5_000), ("payment", -1_000), ("write_off", -4_000)])
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    for path in ("/accounts/", f"/accounts/{written_off.id}"):
        text = main_text(browser.get(path))
        assert "Paid in full" not in text and "There is nothing to pay on this account." in text


def test_paid_accounts_add_no_statements_to_the_dashboard(app, browser, count_queries):
    def dashboard_queries(ledger: list[tuple[str, int]]) -> int:
        debtor = make_debtor()
        for _ in range(3):
            make_account(debtor, ledger)
        db.session.commit()
        browser.sign_in(make_link(debtor), debtor)
        with count_queries() as dashboard:
            browser.get("/accounts/")
        return dashboard.count

    assert dashboard_queries([("itemization", 1_000)]) == dashboard_queries(
        [("itemization", 1_000), ("payment", -1_000)]
    )


# The ledger in the page's language (portal.accounts.wording)


def _spanish_debtor_account(browser, entries, **account_fields):
    debtor = make_debtor(make_uk_creditor(), locale="es")
    account = make_account(debtor, [("itemization", 60_000)], **account_fields)
    for day, fields in enumerate(entries, start=1):
        db.session.add(
            LedgerEntry(
                account=account, effective_date=date(2026, 2, day), external_ref=f"t:{account.id}:{day}", **fields
            )
        )
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return account


def _history(browser, account) -> str:
    page = browser.get(f"/accounts/{account.id}").get_data(as_text=True)
    table = re.search(r'<table class="history">.*?</table>', page, re.S).group(0)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table)))


def test_a_spanish_page_shows_a_write_off_in_spanish(browser):
    account = _spanish_debtor_account(
        browser, [{"kind": "write_off", "amount": -10_000, "wording": LedgerWording.WRITE_OFF, "reference": "W-9XZ2"}]
    )
    history = _history(browser, account)
    assert "Condonado : Referencia W-9XZ2" in history and "-100,00 £" in history


def test_a_spanish_page_shows_a_card_payment_with_its_reference_in_spanish(browser):
    """Waits for the Spanish of "Card payment" (the lead translates new strings)."""
    account = _spanish_debtor_account(
        browser, [{"kind": "payment", "amount": -5_000, "wording": LedgerWording.CARD_PAYMENT, "reference": "P-7K2M"}]
    )
    history = _history(browser, account)
    assert "Referencia P-7K2M" in history and "Card payment" not in history


def test_a_spanish_page_shows_the_creditors_fee_in_the_creditors_spanish(browser):
    account = _spanish_debtor_account(
        browser,
        [
            {
                "kind": "fee",
                "amount": 3_500,
                "description": "Late payment fee",
                "description_translations": {"es": "Cargo por pago atrasado"},
            }
        ],
    )
    history = _history(browser, account)
    assert "Cargo : Cargo por pago atrasado 35,00 £" in history and "Late payment fee" not in history


def test_a_spanish_page_shows_the_creditors_fee_as_sent_when_it_sent_no_spanish(browser):
    account = _spanish_debtor_account(browser, [{"kind": "fee", "amount": 1_200, "description": "Default notice fee"}])
    assert "Cargo : Default notice fee 12,00 £" in _history(browser, account)


def test_a_spanish_page_names_a_creditors_item_without_words_by_its_kind_alone(browser):
    account = _spanish_debtor_account(
        browser,
        [{"kind": "interest", "amount": 800, "description": "Interest", "wording": LedgerWording.CREDITOR_ITEM}],
    )
    history = _history(browser, account)
    assert "Intereses 8,00 £" in history and "Interest" not in history
    assert "Saldo en la fecha de desglose 600,00 £" in history and "Itemization" not in history


def test_a_spanish_page_shows_the_accounts_spanish_name_when_the_creditor_sent_one(browser):
    account = _spanish_debtor_account(
        browser, [], description="Credit card", description_translations={"es": "Tarjeta de crédito"}
    )
    account_page = main_text(browser.get(f"/accounts/{account.id}"))
    dashboard = main_text(browser.get("/accounts/"))
    assert "Tarjeta de crédito" in account_page and "Credit card" not in account_page
    assert "Tarjeta de crédito" in dashboard and "Credit card" not in dashboard


def test_an_english_page_shows_the_accounts_name_as_the_creditor_sent_it(browser):
    debtor = make_debtor(make_uk_creditor(), locale="en")
    account = make_account(debtor, description="Credit card", description_translations={"es": "Tarjeta de crédito"})
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    text = main_text(browser.get(f"/accounts/{account.id}"))
    assert "Credit card" in text and "Tarjeta" not in text


def test_a_spanish_page_shows_the_creditors_name_when_it_sent_no_spanish(browser):
    account = _spanish_debtor_account(browser, [], description="Hospital bill")
    assert "Hospital bill" in main_text(browser.get(f"/accounts/{account.id}"))


def test_a_spanish_page_of_a_uk_creditor_writes_amounts_with_the_pound_sign(browser):
    account = _spanish_debtor_account(browser, [])
    text = main_text(browser.get(f"/accounts/{account.id}"))
    assert "600,00 £" in text and "GBP" not in text


def test_the_demo_shows_a_creditors_spanish_names_on_a_spanish_page(app, browser):
    seed()
    account = db.session.scalar(db.select(Account).where(Account.reference == "4417-2291"))
    browser.sign_in(make_link(account.debtor), account.debtor)
    browser.post("/language", {"language": "es", "next": "/accounts/"})

    text = main_text(browser.get(f"/accounts/{account.id}"))
    assert "Tarjeta de crédito" in text and "Cargo : Cargo por pago atrasado" in text
