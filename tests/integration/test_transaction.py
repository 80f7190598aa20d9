"""One commit per request and per CLI command, made in portal.transaction: what an answer stores, and
what waits for the commit."""

import ast
from pathlib import Path

import click
import pytest
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import scoped_session

from portal.domain_errors import NotAllowedNow
from portal.extensions import db
from portal.models import AuditEvent
from portal.models.audit import record
from portal.transaction import CommandGroup, after_commit, on_rollback
from tests.factories import make_account, make_debtor, make_link

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _write() -> None:
    record("test.work", actor_type="system")


@pytest.fixture
def happened() -> list[str]:
    return []


@pytest.fixture
def app(app, happened):
    """Throwaway routes that write an audit event, then answer in one way or another."""

    def answers():
        _write()
        after_commit(lambda: happened.append("after commit"))
        on_rollback(lambda: happened.append("rolled back"))
        return "done"

    def raises_a_domain_error():
        _write()
        after_commit(lambda: happened.append("after commit"))
        on_rollback(lambda: happened.append("rolled back"))
        raise NotAllowedNow("not now")

    def aborts():
        _write()
        abort(404)

    def crashes():
        _write()
        raise RuntimeError("a mistake in our code")

    for rule, view in {
        "/_test/answers": answers,
        "/_test/domain-error": raises_a_domain_error,
        "/_test/aborts": aborts,
        "/_test/crashes": crashes,
    }.items():
        app.add_url_rule(rule, view_func=view)
    return app


def _stored() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.work"))


def test_a_request_that_answers_stores_its_work_then_does_what_waited_for_it(client, happened):
    assert client.get("/_test/answers").get_data(as_text=True) == "done"
    assert _stored() == 1
    assert happened == ["after commit"]


def test_a_request_that_ends_in_a_domain_error_stores_nothing_and_undoes_what_it_did_outside(client, happened):
    assert client.get("/_test/domain-error").status_code == 400
    assert _stored() == 0
    assert happened == ["rolled back"]


def test_an_error_page_stores_nothing(client):
    response = client.get("/_test/aborts")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.get_data(as_text=True)
    assert _stored() == 0


def test_a_crash_stores_nothing(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does
    response = client.get("/_test/crashes")
    assert response.status_code == 500
    assert "Sorry, something went wrong on our side" in response.get_data(as_text=True)
    assert _stored() == 0


@pytest.fixture
def commits(monkeypatch) -> list[str]:
    """Every commit of the database session, in order (the claim commits are named by their caller)."""
    seen: list[str] = []
    real = scoped_session.commit

    def counted(self):
        seen.append("commit")
        return real(self)

    monkeypatch.setattr(scoped_session, "commit", counted)
    return seen


def test_signing_in_commits_once_per_request(app, browser, commits):
    debtor = make_debtor()
    make_account(debtor)
    path = make_link(debtor)
    app.before_request(lambda: commits.append("request"))
    commits.clear()
    browser.sign_in(path, debtor)  # open the link, continue, answer: each form's page is a request too
    assert commits == ["request", "commit"] * 5


# Commands

cli = CommandGroup("test-work")


@cli.command("write")
@click.option("--fail", is_flag=True)
def write_command(fail: bool) -> None:
    _write()
    if fail:
        raise click.ClickException("refused")
    click.echo("written")


def test_a_command_stores_its_work_when_it_ends(app):
    app.cli.add_command(cli)
    result = app.test_cli_runner().invoke(args=["test-work", "write"])
    assert result.exit_code == 0, result.output
    assert _stored() == 1


def test_a_command_that_fails_stores_nothing(app):
    app.cli.add_command(cli)
    result = app.test_cli_runner().invoke(args=["test-work", "write", "--fail"])
    assert result.exit_code == 1
    assert "refused" in result.output
    assert _stored() == 0


# Where commits are


def _is_a_commit(call: ast.Call) -> bool:
    called = ast.unparse(call.func)
    return called.endswith("session.commit") or called.endswith("commit_claim")


def _session_commits(path: Path) -> list[int]:
    """Lines that call `<something>.session.commit()` or `commit_claim()`."""
    tree = ast.parse(path.read_text())
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_a_commit(node)]


def test_only_the_transaction_module_commits_and_claims_are_the_one_exception():
    commits = {
        str(path.relative_to(PORTAL)): lines
        for path in sorted(PORTAL.rglob("*.py"))
        if (lines := _session_commits(path)) and path.name != "transaction.py"
    }
    # a claim is stored before the outside world is called: Stripe (payments, plan charges), the mail server or the
    # text provider (the outbox), or a creditor's webhook receiver
    assert set(commits) == {
        "payments/service.py",
        "plans/service/collection.py",
        "plans/service/changes.py",
        "jobs/collect.py",
        "outbox.py",
        "webhooks/delivery.py",
    }
    for path, lines in commits.items():
        source = (PORTAL / path).read_text().splitlines()
        assert all("commit_claim()" in source[line - 1] for line in lines), path
