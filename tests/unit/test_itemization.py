"""The balance is the sum of the ledger; the itemization explains it."""

from datetime import date
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from portal.accounts.service import itemize
from portal.links.service import normalise_postcode
from portal.templating import DEFAULT_ACCENT, accent_colour


def _entry(kind, amount):
    return SimpleNamespace(kind=kind, amount=amount)


def _sums(entries) -> dict[str, int]:
    """What the database's GROUP BY kind gives for these entries."""
    sums: dict[str, int] = {}
    for entry in entries:
        sums[entry.kind] = sums.get(entry.kind, 0) + entry.amount
    return sums


def test_itemization_sorts_the_ledger_into_its_buckets():
    entries = [
        _entry("itemization", 150_000),
        _entry("interest", 2_150),
        _entry("interest", 2_150),
        _entry("fee", 3_500),
        _entry("payment", -10_000),
        _entry("credit", -1_000),
    ]
    result = itemize(date(2026, 1, 15), _sums(entries))
    assert (result.amount_on_itemization_date, result.interest, result.fees) == (150_000, 4_300, 3_500)
    assert (result.payments, result.credits) == (10_000, 1_000)
    assert result.balance == 146_800


def test_a_refunded_payment_raises_the_balance_again():
    result = itemize(
        date(2026, 1, 1), _sums([_entry("itemization", 5_000), _entry("payment", -2_000), _entry("payment", 2_000)])
    )
    assert result.payments == 0
    assert result.balance == 5_000


kinds = st.sampled_from(["itemization", "interest", "fee", "payment", "credit"])


@given(st.lists(st.tuples(kinds, st.integers(min_value=-(10**8), max_value=10**8))))
def test_the_itemized_balance_always_equals_the_sum_of_the_ledger(rows):
    result = itemize(date(2026, 1, 1), _sums([_entry(kind, amount) for kind, amount in rows]))
    assert result.balance == sum(amount for _, amount in rows)


def test_postcodes_compare_without_case_or_spaces():
    assert normalise_postcode(" ls6 2ab ") == normalise_postcode("LS62AB")


def test_a_zip_plus_four_matches_its_five_digits():
    assert normalise_postcode("62704-1234") == "62704"


def test_a_creditor_colour_with_enough_contrast_is_used():
    assert accent_colour("#6b2c6f") == "#6b2c6f"


def test_a_creditor_colour_too_light_for_white_text_falls_back():
    assert accent_colour("#ffdd00") == DEFAULT_ACCENT
    assert accent_colour("not a colour") == DEFAULT_ACCENT
    assert accent_colour("#zzzzzz") == DEFAULT_ACCENT
