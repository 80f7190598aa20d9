"""The creditor's command line: issue and revoke links; load demo data."""

import re

import pytest

from portal.extensions import db
from tests.conftest import main_text
from tests.factories import make_debtor


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
    assert len(lines) == 4
    assert re.search(r"Maria Garcia .* 1985-03-27 +http://portal.test/l/\S+$", lines[0])
    assert re.search(r"Sarah Jones .* LS6 2AB +http://portal.test/l/\S+$", lines[2])
    assert runner.invoke(args=["demo", "seed"]).output.count("\n") == 4, "seeding twice adds no duplicates"
