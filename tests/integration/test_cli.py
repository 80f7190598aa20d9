"""The creditor's command line: issue and revoke links; load demo data."""

import csv
import re
from datetime import UTC, datetime

import pytest

from portal.demo import service as demo_service
from portal.extensions import db
from portal.models import AuditEvent, MagicLink, StaffUser
from portal.plans import review
from tests.conftest import main_text
from tests.factories import make_creditor, make_debtor, make_link
from tests.staff_support import StaffBrowser


@pytest.fixture
def debtor(app):
    debtor = make_debtor(reference="NW-9")
    db.session.commit()
    return debtor


def test_links_issue_prints_a_working_link(app, client, debtor):
    result = app.test_cli_runner().invoke(
        args=["links", "issue", "--creditor", debtor.creditor.slug, "--debtor", "NW-9"]
    )
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("http://portal.test/l/")
    assert client.get(url.removeprefix("http://portal.test")).status_code == 302
    assert client.get(url.removeprefix("http://portal.test")).headers["Location"] == "/start"


def test_links_issue_honours_ttl_and_campaign(app, debtor):
    from portal.models import MagicLink

    args = [
        "links",
        "issue",
        "--creditor",
        debtor.creditor.slug,
        "--debtor",
        "NW-9",
        "--ttl-days",
        "2",
        "--campaign",
        "nov",
    ]
    assert app.test_cli_runner().invoke(args=args).exit_code == 0
    link = db.session.scalar(db.select(MagicLink))
    assert link.campaign == "nov"
    assert (link.expires_at - link.created_at).days == 2


def test_links_issue_for_an_unknown_debtor_says_so(app, debtor):
    result = app.test_cli_runner().invoke(
        args=["links", "issue", "--creditor", debtor.creditor.slug, "--debtor", "NOPE"]
    )
    assert result.exit_code != 0
    assert "No debtor 'NOPE'" in result.output


@pytest.fixture
def many(app):
    """Five debtors of one creditor, NW-1 to NW-5."""
    creditor = make_creditor(slug="northwind")
    debtors = [make_debtor(creditor, reference=f"NW-{n}") for n in range(1, 6)]
    db.session.commit()
    return debtors


def _issue_many(app, tmp_path, *options: str):
    out = tmp_path / "links.csv"
    args = ["links", "issue-many", "--creditor", "northwind", "--out", str(out), *options]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    with out.open(newline="") as rows:
        return result, list(csv.DictReader(rows))


def _live_links(debtor) -> list[MagicLink]:
    db.session.expire_all()
    links = db.session.scalars(db.select(MagicLink).where(MagicLink.debtor_id == debtor.id))
    return [link for link in links if link.revoked_at is None and link.expires_at > datetime.now(UTC)]


def test_links_issue_many_gives_each_debtor_in_the_file_one_working_link(app, client, many, tmp_path):
    references = tmp_path / "debtors.txt"
    references.write_text("NW-1\nNW-2\n\nNW-3\nNW-2\nNW-4\nNW-5\n")

    result, rows = _issue_many(app, tmp_path, "--debtors", str(references), "--batch-size", "2", "--campaign", "nov")

    assert [row["reference"] for row in rows] == ["NW-1", "NW-2", "NW-3", "NW-4", "NW-5"]
    for debtor, row in zip(many, rows, strict=True):
        assert [link.campaign for link in _live_links(debtor)] == ["nov"]
        assert row["url"].startswith("http://portal.test/l/")
        opened = client.get(row["url"].removeprefix("http://portal.test"))
        assert (opened.status_code, opened.headers["Location"]) == (302, "/start")
    issued = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "link.issued")).all()
    assert sorted(event.debtor_id for event in issued) == sorted(debtor.id for debtor in many)
    assert "Issued 5 link(s)." in result.stderr


def test_links_issue_many_lists_unknown_references_and_issues_the_rest(app, many, tmp_path):
    references = tmp_path / "debtors.txt"
    references.write_text("NW-1\nNOPE-1\nNW-2\nNOPE-2\n")

    result, rows = _issue_many(app, tmp_path, "--debtors", str(references))

    assert [row["reference"] for row in rows] == ["NW-1", "NW-2"]
    assert "No debtor for 2 reference(s) at 'northwind'; no link issued:\n  NOPE-1\n  NOPE-2\n" in result.stderr
    assert "Issued 2 link(s)." in result.stderr


def test_links_issue_many_for_all_without_link_issues_none_twice(app, many, tmp_path):
    make_link(many[0])  # NW-1 has a link they can use
    revoked = make_link(many[1])  # NW-2's only link is revoked: they get a new one
    db.session.scalar(db.select(MagicLink).where(MagicLink.debtor_id == many[1].id)).revoked_at = datetime.now(UTC)
    db.session.commit()
    assert revoked

    _, first = _issue_many(app, tmp_path, "--all-without-link", "--ttl-days", "7")
    result, again = _issue_many(app, tmp_path, "--all-without-link")

    assert [row["reference"] for row in first] == ["NW-2", "NW-3", "NW-4", "NW-5"]
    assert again == []
    assert "Issued 0 link(s)." in result.stderr
    assert [len(_live_links(debtor)) for debtor in many] == [1, 1, 1, 1, 1]
    assert {(link.expires_at - link.created_at).days for link in _live_links(many[2])} == {7}


@pytest.mark.parametrize("options", [[], ["--all-without-link", "--debtors", "-"]])
def test_links_issue_many_needs_a_file_or_all_without_link(app, many, tmp_path, options):
    args = ["links", "issue-many", "--creditor", "northwind", "--out", str(tmp_path / "links.csv"), *options]
    result = app.test_cli_runner().invoke(args=args, input="NW-1\n")
    assert result.exit_code == 2
    assert "Give either --debtors FILE or --all-without-link." in result.output
    assert db.session.scalar(db.select(db.func.count(MagicLink.id))) == 0


def test_links_revoke_by_url_stops_that_link(app, client, debtor):
    runner = app.test_cli_runner()
    url = runner.invoke(args=["links", "issue", "--creditor", debtor.creditor.slug, "--debtor", "NW-9"]).output.strip()
    result = runner.invoke(args=["links", "revoke", "--link", url])
    assert "Revoked 1 link(s)." in result.output
    assert client.get(url.removeprefix("http://portal.test")).status_code == 410
    assert "This link is no longer active" in main_text(client.get(url.removeprefix("http://portal.test")))


def test_links_revoke_by_debtor_stops_all_their_links(app, client, debtor):
    runner = app.test_cli_runner()
    issue = ["links", "issue", "--creditor", debtor.creditor.slug, "--debtor", "NW-9"]
    urls = [runner.invoke(args=issue).output.strip() for _ in range(2)]
    result = runner.invoke(args=["links", "revoke", "--creditor", debtor.creditor.slug, "--debtor", "NW-9"])
    assert "Revoked 2 link(s)." in result.output
    assert [client.get(u.removeprefix("http://portal.test")).status_code for u in urls] == [410, 410]
    for u in urls:
        assert "This link is no longer active" in main_text(client.get(u.removeprefix("http://portal.test")))


def test_demo_seed_prints_each_debtor_with_the_answer_and_a_link(app):
    runner = app.test_cli_runner()
    output = runner.invoke(args=["demo", "seed"]).output
    lines = output.strip().splitlines()
    assert len(lines) == 9
    assert re.search(r"Maria Garcia .* 1985-03-27 +http://portal.test/l/\S+$", lines[0])
    assert re.search(r"Sarah Jones .* LS6 2AB +http://portal.test/l/\S+$", lines[2])
    assert "Support console: http://portal.test/staff/sign-in  password: try the console 2026" in lines[5]
    assert re.search(r"Alex Morgan +agent +agent@portal.example +TOTP secret [A-Z2-7]{32}$", lines[6])
    assert runner.invoke(args=["demo", "seed"]).output.count("\n") == 9, "seeding twice adds no duplicates"
    assert db.session.scalar(db.select(db.func.count(StaffUser.id))) == 3
    assert [plan.status for plan in review.waiting()] == ["pending_review"], "a proposal waits for a supervisor"


def test_the_demo_staff_sign_in_with_the_printed_password_and_secret(app):
    app.test_cli_runner().invoke(args=["demo", "seed"])
    code = app.test_cli_runner().invoke(args=["staff", "totp", "agent@portal.example"]).output.strip()
    browser = StaffBrowser(app.test_client())
    browser.post("/staff/sign-in", {"email": "agent@portal.example", "password": demo_service.STAFF_PASSWORD})
    assert browser.post("/staff/sign-in/code", {"code": code}).headers["Location"] == "/staff/"
