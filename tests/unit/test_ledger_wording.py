"""A ledger line in words: the portal's words chosen when the line is shown, the creditor's words as sent."""

from datetime import date

import pytest
from flask_babel import force_locale

from portal.accounts.wording import Described, describe, kind_label
from portal.models import LedgerEntry
from portal.models.account import LedgerWording
from portal.translated import clean_translations, in_language


def _entry(kind: str, **fields) -> LedgerEntry:
    return LedgerEntry(kind=kind, amount=100, effective_date=date(2026, 3, 1), **fields)


@pytest.fixture
def language(app):
    """Draw in a language: `with language("es"): ...`."""

    def drawing_in(code: str):
        return force_locale(code)

    with app.test_request_context("/"):
        yield drawing_in


def test_a_card_payment_is_described_with_its_reference(language):
    entry = _entry("payment", wording=LedgerWording.CARD_PAYMENT, reference="P-7K2M")
    with language("en"):
        assert describe(entry) == Described("Card payment", "Reference P-7K2M")


def test_a_settlement_discount_is_described_with_the_plans_reference(language):
    entry = _entry("credit", wording=LedgerWording.SETTLEMENT_DISCOUNT, reference="PL-4RT8")
    with language("en"):
        assert describe(entry) == Described("Settlement discount", "Reference PL-4RT8")


def test_a_write_off_is_described_in_spanish_on_a_spanish_page(language):
    entry = _entry("write_off", wording=LedgerWording.WRITE_OFF, reference="W-9XZ2")
    with language("es"):
        assert describe(entry) == Described("Condonado", "Referencia W-9XZ2")


def test_a_card_payment_is_described_in_spanish_on_a_spanish_page(language):
    """Waits for the Spanish of "Card payment" (the lead translates new strings)."""
    entry = _entry("payment", wording=LedgerWording.CARD_PAYMENT, reference="P-7K2M")
    with language("es"):
        line = describe(entry)
    assert line.what not in ("", "Card payment") and line.detail == "Referencia P-7K2M"


def test_a_settlement_discount_is_described_in_spanish_on_a_spanish_page(language):
    """Waits for the Spanish of "Settlement discount" (the lead translates new strings)."""
    entry = _entry("credit", wording=LedgerWording.SETTLEMENT_DISCOUNT, reference="PL-4RT8")
    with language("es"):
        line = describe(entry)
    assert line.what not in ("", "Settlement discount") and line.detail == "Referencia PL-4RT8"


def test_the_creditors_words_are_shown_as_sent_when_it_sent_no_spanish(language):
    entry = _entry("fee", description="Late payment fee")
    with language("es"):
        assert describe(entry) == Described("Cargo", "Late payment fee")


def test_the_creditors_spanish_words_are_shown_on_a_spanish_page(language):
    entry = _entry("fee", description="Late payment fee", description_translations={"es": "Cargo por retraso"})
    with language("es"):
        assert describe(entry) == Described("Cargo", "Cargo por retraso")
    with language("en"):
        assert describe(entry) == Described("Fee", "Late payment fee")


def test_a_creditors_item_without_words_is_named_by_its_kind(language):
    entry = _entry("interest", wording=LedgerWording.CREDITOR_ITEM, description="Interest")
    with language("es"):
        assert describe(entry) == Described("Intereses")


def test_the_itemization_is_named_by_its_kind_whatever_was_written(language):
    entry = _entry("itemization", description="Itemization")
    with language("es"):
        assert str(describe(entry)) == "Saldo en la fecha de desglose"


def test_a_kind_the_portal_does_not_know_is_shown_as_stored(language):
    with language("en"):
        assert kind_label("rebate") == "rebate"


def test_a_described_line_reads_as_one_sentence():
    assert str(Described("Card payment", "Reference P-1")) == "Card payment: Reference P-1"
    assert str(Described("Interest")) == "Interest"


def test_a_name_is_in_the_language_asked_for_when_the_creditor_sent_it():
    assert in_language("Credit card", {"es": "Tarjeta de crédito"}, "es") == "Tarjeta de crédito"
    assert in_language("Credit card", {"es": "Tarjeta de crédito"}, "en") == "Credit card"
    assert in_language("Credit card", None, "es") == "Credit card"


def test_a_name_away_from_any_page_is_the_creditors_own():
    assert in_language("Credit card", {"es": "Tarjeta de crédito"}) == "Credit card"


def test_only_known_languages_with_words_are_kept():
    assert clean_translations({"es": "  Tarjeta   de crédito ", "fr": "Carte", "de": ""}) == {
        "es": "Tarjeta de crédito"
    }
    assert clean_translations({"es": "   "}) is None
    assert clean_translations(None) is None
