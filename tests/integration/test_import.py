"""`flask import accounts`: a creditor's CSV file in, debtors and accounts stored, and a link per debtor out."""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import segno
from sqlalchemy import func, select

from portal.accounts.ledger import balance_of
from portal.extensions import db
from portal.imports.rows import COLUMNS
from portal.links import service as links
from portal.models import Account, AuditEvent, Debtor, LedgerEntry, MagicLink
from tests.conftest import main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_uk_creditor

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-accounts.csv"
ROW = {
    "debtor_reference": "D-1",
    "full_name": "James Okafor",
    "date_of_birth": "1979-11-02",
    "postcode": "60614",
    "email": "james@example.com",
    "language": "en",
    "account_reference": "A-1",
    "description": "Credit card",
    "original_creditor": "Lakeside Bank",
    "itemization_date": "2026-03-31",
    "itemization_amount": "2845.17",
    "monthly_interest": "23.71",
}


@pytest.fixture
def creditor(app):
    creditor = make_creditor(slug="northwind", name="Northwind Recovery")
    db.session.commit()
    return creditor


def _write(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(app, path: Path, *options: str, slug: str = "northwind"):
    return app.test_cli_runner().invoke(args=["import", "accounts", str(path), "--creditor", slug, *options])


def _read(path: Path) -> list[dict]:
    with path.open(newline="") as rows:
        return list(csv.DictReader(rows))


def _counts() -> dict[str, int]:
    models = {"debtors": Debtor, "accounts": Account, "entries": LedgerEntry, "links": MagicLink, "audit": AuditEvent}
    return {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in models.items()}


def test_the_example_file_loads_every_row(app, creditor, tmp_path):
    result = _import(app, EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "Imported 20 row(s), rejected 0." in result.stdout
    assert _counts() | {"audit": 0, "links": 0} == {
        "debtors": 16,
        "accounts": 20,
        "entries": 20,
        "audit": 0,
        "links": 0,
    }
    debtor = db.session.scalar(select(Debtor).where(Debtor.reference == "CSV-2002"))
    assert (debtor.full_name, debtor.locale, debtor.creditor_id) == ("Ana Lucía Torres", "es", creditor.id)
    hospital = db.session.scalar(select(Account).where(Account.reference == "MED-40917"))
    assert hospital.description_translations == {"es": "Factura del hospital"}
    account = db.session.scalar(select(Account).where(Account.reference == "AUTO-30021"))
    assert (account.currency, account.monthly_interest, balance_of(account)) == ("USD", 4_820, 674_055)
    assert account.itemization_creditor == account.current_creditor == "Summit Receivables LLC"


def test_a_debtor_over_several_rows_is_one_debtor_with_its_accounts_and_one_link(app, creditor, tmp_path):
    result = _import(app, EXAMPLE, "--links-out", str(tmp_path / "links.csv"))
    assert result.exit_code == 0, result.output
    debtor = db.session.scalar(select(Debtor).where(Debtor.reference == "CSV-2005"))
    accounts = db.session.scalars(select(Account.reference).where(Account.debtor_id == debtor.id)).all()
    assert sorted(accounts) == ["MED-41220", "TEL-80233", "UTIL-66502"]
    lines = _read(tmp_path / "links.csv")
    assert len(lines) == 16
    assert [line["debtor_reference"] for line in lines].count("CSV-2005") == 1


def test_bad_rows_are_reported_by_line_and_field_and_the_good_ones_imported(app, creditor, tmp_path):
    rows = [
        ROW,
        ROW | {"debtor_reference": "D-2", "date_of_birth": "02/11/1979"},
        ROW | {"debtor_reference": "D-3", "itemization_amount": "1,200.00"},
        ROW | {"debtor_reference": "D-4", "email": "nobody"},
        ROW | {"debtor_reference": "D-5", "language": "fr"},
        ROW | {"debtor_reference": "D-6", "description": ""},
        ROW | {"debtor_reference": "D-7"},
    ]
    result = _import(app, _write(tmp_path / "in.csv", rows))
    assert result.exit_code == 1
    assert "Rejected line 3: date_of_birth: not a date written YYYY-MM-DD: '02/11/1979'" in result.stderr
    assert "Rejected line 4: itemization_amount: not an amount" in result.stderr
    assert "Rejected line 5: email: not an email address" in result.stderr
    assert "Rejected line 6: language: not one of en, es" in result.stderr
    assert "Rejected line 7: description: missing" in result.stderr
    assert "Imported 2 row(s), rejected 5." in result.stdout
    assert db.session.scalars(select(Debtor.reference).order_by(Debtor.reference)).all() == ["D-1", "D-7"]


def test_the_reject_file_holds_the_bad_rows_as_written_with_line_and_reason_and_imports_once_fixed(
    app, creditor, tmp_path
):
    rows = [ROW, ROW | {"debtor_reference": "D-2", "itemization_date": "2026-13-01"}]
    rejects = tmp_path / "bad.csv"
    assert _import(app, _write(tmp_path / "in.csv", rows), "--reject-file", str(rejects)).exit_code == 1
    (bad,) = _read(rejects)
    assert bad["debtor_reference"] == "D-2" and bad["itemization_date"] == "2026-13-01"
    assert (bad["line"], bad["reason"]) == ("3", "itemization_date: not a date written YYYY-MM-DD: '2026-13-01'")

    _write(rejects, [bad | {"itemization_date": "2026-01-13"}], [*COLUMNS, "line", "reason"])
    result = _import(app, rejects)
    assert result.exit_code == 0, result.output
    assert "Ignoring columns: line, reason." in result.stderr
    assert db.session.scalar(select(func.count()).select_from(Debtor)) == 2


def test_the_same_account_twice_in_a_file_is_imported_once(app, creditor, tmp_path):
    result = _import(app, _write(tmp_path / "in.csv", [ROW, ROW]))
    assert result.exit_code == 1
    assert "Rejected line 3: account_reference: the same account is on line 2" in result.stderr
    assert _counts()["accounts"] == _counts()["entries"] == 1


def test_importing_the_same_file_twice_changes_nothing(app, creditor, tmp_path):
    out = tmp_path / "links.csv"
    assert _import(app, EXAMPLE, "--links-out", str(out), "--campaign", "june").exit_code == 0
    before, first = _counts(), _read(out)
    result = _import(app, EXAMPLE, "--links-out", str(out), "--campaign", "june")
    assert result.exit_code == 0, result.output
    assert _counts() == before
    assert _read(out) == first
    assert "Debtors: 0 added, 0 updated. Accounts: 0 added, 0 updated, 0 itemization(s) recorded." in result.stdout
    assert "Links: 0 issued, 16 reused" in result.stdout


def test_a_changed_row_updates_its_debtor_and_account_by_reference(app, creditor, tmp_path):
    assert _import(app, _write(tmp_path / "in.csv", [ROW])).exit_code == 0
    changed = ROW | {"email": "james.okafor@example.com", "description": "Visa card", "monthly_interest": "0"}
    result = _import(app, _write(tmp_path / "in.csv", [changed]))
    assert "Debtors: 0 added, 1 updated. Accounts: 0 added, 1 updated, 0 itemization(s)" in result.stdout
    account = db.session.scalar(select(Account))
    db.session.refresh(account)
    assert (account.debtor.email, account.description, account.monthly_interest) == (
        "james.okafor@example.com",
        "Visa card",
        0,
    )
    assert _counts()["entries"] == 1


def test_a_description_in_spanish_is_imported_and_shown_on_the_debtors_spanish_page(app, creditor, tmp_path, browser):
    spanish = ROW | {"language": "es", "description_es": "Tarjeta de crédito"}
    result = _import(app, _write(tmp_path / "in.csv", [spanish]))
    assert result.exit_code == 0, result.output

    account = db.session.scalar(select(Account))
    assert (account.description_text, account.description_translations) == ("Credit card", {"es": "Tarjeta de crédito"})
    browser.sign_in(make_link(account.debtor), account.debtor)
    text = main_text(browser.get(f"/accounts/{account.id}"))
    assert "Tarjeta de crédito" in text and "Credit card" not in text


def test_a_changed_description_in_spanish_updates_the_account(app, creditor, tmp_path):
    assert _import(app, _write(tmp_path / "in.csv", [ROW | {"description_es": "Tarjeta"}])).exit_code == 0
    result = _import(app, _write(tmp_path / "in.csv", [ROW | {"description_es": "Tarjeta de crédito"}]))
    assert "Accounts: 0 added, 1 updated" in result.stdout
    account = db.session.scalar(select(Account))
    db.session.refresh(account)
    assert account.description_translations == {"es": "Tarjeta de crédito"}


def test_a_file_without_the_spanish_column_imports_as_before(app, creditor, tmp_path):
    columns = [column for column in COLUMNS if column != "description_es"]
    assert _import(app, _write(tmp_path / "in.csv", [ROW], columns)).exit_code == 0
    assert db.session.scalar(select(Account)).description_translations is None


def test_a_blank_column_keeps_a_debtors_details_and_their_own_language_choice_stands(app, creditor, tmp_path):
    assert _import(app, _write(tmp_path / "in.csv", [ROW])).exit_code == 0
    debtor = db.session.scalar(select(Debtor))
    debtor.locale = "es"  # chosen on the portal's preferences page
    db.session.commit()
    result = _import(app, _write(tmp_path / "in.csv", [ROW | {"email": "", "language": "en"}]))
    assert "Debtors: 0 added, 0 updated." in result.stdout
    db.session.refresh(debtor)
    assert (debtor.email, debtor.locale) == ("james@example.com", "es")


def test_a_changed_itemization_is_rejected_not_written_twice_to_the_ledger(app, creditor, tmp_path):
    assert _import(app, _write(tmp_path / "in.csv", [ROW])).exit_code == 0
    result = _import(app, _write(tmp_path / "in.csv", [ROW | {"itemization_amount": "3000.00"}]))
    assert result.exit_code == 1
    assert "Rejected line 2: itemization_amount: differs from the itemization" in result.stderr
    assert balance_of(db.session.scalar(select(Account))) == 284_517


def test_an_account_loaded_elsewhere_gets_no_second_itemization(app, creditor, tmp_path):
    debtor = make_debtor(creditor, reference="D-1", full_name="James Okafor")
    make_account(debtor, [("itemization", 284_517)], reference="A-1", itemization_date=date(2026, 3, 31))
    db.session.commit()
    assert _import(app, _write(tmp_path / "in.csv", [ROW])).exit_code == 0
    assert _counts()["entries"] == 1


def test_the_links_file_opens_each_debtors_link_by_url_short_url_and_qr_code(app, creditor, tmp_path, client, browser):
    out = tmp_path / "letters" / "links.csv"  # a folder made for it
    assert _import(app, _write(tmp_path / "in.csv", [ROW]), "--links-out", str(out)).exit_code == 0
    (line,) = _read(out)
    assert (line["debtor_reference"], line["full_name"]) == ("D-1", "James Okafor")
    assert line["url"].startswith("http://portal.test/l/")
    link = db.session.scalar(select(MagicLink))
    assert line["short_url"] == links.short_url(link.short_code)
    assert line["expires_at"] == link.expires_at.isoformat(timespec="seconds")
    debtor = db.session.scalar(select(Debtor))
    assert browser.sign_in(line["url"].removeprefix("http://portal.test"), debtor).headers["Location"] == "/accounts/"
    assert client.get(line["short_url"].removeprefix("http://portal.test")).headers["Location"] == "/start"
    assert line["qr_svg"] == f"links_qr/{link.short_code}.svg"
    svg = (out.parent / line["qr_svg"]).read_text()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    drawn = io.BytesIO()
    segno.make_qr(line["short_url"], error="m", mask=0, boost_error=False).save(
        drawn, kind="svg", scale=4, xmldecl=False
    )
    assert svg == drawn.getvalue().decode(), "the QR code holds the short link"


def test_a_link_the_debtor_can_no_longer_use_is_replaced_and_other_campaigns_get_their_own(app, creditor, tmp_path):
    path, out = _write(tmp_path / "in.csv", [ROW]), str(tmp_path / "links.csv")
    assert _import(app, path, "--links-out", out).exit_code == 0
    links.revoke_link(db.session.scalar(select(MagicLink)))
    db.session.commit()
    assert "Links: 1 issued, 0 reused" in _import(app, path, "--links-out", out).stdout
    assert "Links: 1 issued, 0 reused" in _import(app, path, "--links-out", out, "--campaign", "july").stdout
    assert _counts()["links"] == 3


def test_the_creditors_identity_method_is_enforced(app, tmp_path):
    make_uk_creditor(slug="harbour", is_debt_collector=True)
    db.session.commit()
    without_column = _write(tmp_path / "in.csv", [ROW], [column for column in COLUMNS if column != "postcode"])
    result = _import(app, without_column, slug="harbour")
    assert result.exit_code == 1
    assert "has no postcode column" in result.output
    rows = [ROW | {"current_creditor": "Lakeside Bank"}, ROW | {"debtor_reference": "D-2", "postcode": ""}]
    result = _import(app, _write(tmp_path / "in.csv", rows), slug="harbour")
    assert "Rejected line 3: postcode: missing, and the creditor's identity check asks for it" in result.stderr
    assert "Rejected line 2: current_creditor: missing" not in result.stderr
    assert _counts()["debtors"] == 1


def test_the_progress_bar_keeps_to_stderr_and_stdout_is_the_summary(app, creditor, tmp_path):
    result = _import(app, EXAMPLE, "--batch-size", "3", "--links-out", str(tmp_path / "links.csv"))
    assert result.exit_code == 0, result.output
    assert "Importing" in result.stderr
    assert result.stdout.splitlines()[0] == "Imported 20 row(s), rejected 0."
    assert len(result.stdout.splitlines()) == 3
    assert len(_read(tmp_path / "links.csv")) == 16


def test_an_unknown_creditor_is_an_error(app, tmp_path):
    result = _import(app, EXAMPLE, slug="nobody")
    assert result.exit_code == 1
    assert "No creditor 'nobody'" in result.output
