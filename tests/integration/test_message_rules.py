"""What every message must say, on every template (test_outbox.SCENARIOS, which must name every template):
a US debt collector says so, a UK firm names itself and free debt advice, every email carries a link
that turns email off without signing in (and the List-Unsubscribe headers), and none of it reaches a
discreet debtor's subject or preview. Then the opt-out link itself."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import URLSafeSerializer

from portal import clock, outbox
from portal.extensions import db
from portal.help.service.contact import may_contact, settings_for
from portal.message_rules import email_headers, notices, opt_out_token
from portal.models import ContactPreference
from portal.models.audit import AuditEvent
from tests.conftest import csrf_from, main_text
from tests.factories import make_account, make_card_debtor, make_creditor, make_debtor
from tests.integration.test_outbox import NOT_TO_THE_DEBTOR, REVEALING, SCENARIOS
from tests.plan_support import POLICY, active_plan, emails, set_aside_messages
from tests.stripe_server import settings  # noqa: F401  (localstripe and emails in a folder)

DISCLOSURE = "This communication is from a debt collector."
#: who writes: a US debt collector, a US creditor collecting its own debts, a UK firm
WRITERS = ("us_collector", "us_creditor", "uk")


def _debtor(writer: str, language: str):
    if writer == "uk":
        debtor = make_card_debtor(POLICY)
    else:
        creditor = make_creditor(
            name="Northwind Recovery" if writer == "us_collector" else "Northwind Bank",
            is_debt_collector=writer == "us_collector",
            policy=POLICY,
        )
        debtor = make_debtor(creditor, full_name="Maria Garcia", email="maria@example.com")
    debtor.locale = language
    db.session.commit()
    return debtor


def _send(app, name: str, debtor, localstripe):
    """Queue the template's message, true for this debtor, and send it in contact hours; returns the email."""
    account = make_account(debtor, [("itemization", 30_000)], description="Mobile phone contract")
    db.session.commit()
    needs_plan, make_params = SCENARIOS[name]
    plan = active_plan(debtor, account, localstripe) if needs_plan else None
    params = make_params(plan, debtor, account)
    set_aside_messages(debtor)
    outbox.queue(debtor, name, account=account, params=params)
    db.session.commit()
    assert outbox.deliver(now=clock.now()) == {"sent": 1}
    [email] = emails(app)
    return email


def _in(language: str, text: str, **variables) -> str:
    with force_locale(language):
        return _(text, **variables)


def _opt_out_link(body: str) -> str:
    [link] = re.findall(r"https?://\S+/stop/\S+", body)
    return link


#: the messages that carry the notices: all but those to someone else (a helper) or to an address not (or no longer)
#: known to be the debtor's
NOTICED = sorted(set(SCENARIOS) - NOT_TO_THE_DEBTOR)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("name", NOTICED)
def test_every_email_says_what_its_writer_must(app, client, localstripe, name, writer, language):
    debtor = _debtor(writer, language)
    email = _send(app, name, debtor, localstripe)
    body = email.get_content()
    lines = body.splitlines()

    disclosure = _in(language, DISCLOSURE)
    if writer == "us_collector":
        assert body.count(disclosure) == 1
        assert lines[3:5] == ["", disclosure], "straight after the opening"
    else:
        assert disclosure not in body

    firm = _in(language, "This message is from %(creditor)s.", creditor="Harbour Credit")
    if writer == "uk":
        assert body.count(firm) == 1
        assert body.count("moneyhelper.org.uk") == 1, "free debt advice, once"
        assert "0800 138 7777" in body
    else:
        assert firm not in body and "moneyhelper" not in body

    link = _opt_out_link(body)
    assert email["List-Unsubscribe"] == f"<{link}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert lines[-1] == _in(
        language,
        "To stop emails from %(creditor)s, open this link. You do not need to sign in: %(link)s",
        creditor=debtor.creditor.name,
        link=link,
    )
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert _in(language, "Stop emails") in main_text(page)


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("name", sorted(NOT_TO_THE_DEBTOR))
def test_a_message_to_an_address_not_known_to_be_theirs_carries_no_notice_about_debt(app, localstripe, name, writer):
    """A code to an address typed a minute ago, a notice to the one just replaced, or an invitation to the person the
    debtor asked to help, may be read by someone else: it says who sends it and nothing more (no "debt collector", no
    debt advice, no opt-out for an address that is not the debtor's)."""
    debtor = _debtor(writer, "en")
    email = _send(app, name, debtor, localstripe)
    body = email.get_content()
    assert DISCLOSURE not in body
    assert "moneyhelper" not in body and "/stop/" not in body
    assert email["List-Unsubscribe"] is None
    assert debtor.creditor.name in body


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("name", NOTICED)
def test_a_discreet_debtors_subject_and_preview_carry_none_of_it(app, localstripe, name, writer):
    debtor = _debtor(writer, "en")
    db.session.add(ContactPreference(debtor_id=debtor.id, discreet=True))
    db.session.commit()
    email = _send(app, name, debtor, localstripe)
    preview = email.get_content().splitlines()[:3]
    assert not REVEALING.search(email["Subject"]), email["Subject"]
    assert not any(REVEALING.search(line) for line in preview), preview
    assert DISCLOSURE not in email["Subject"] and DISCLOSURE not in "\n".join(preview)
    assert (DISCLOSURE in email.get_content()) is (writer == "us_collector")


@pytest.mark.parametrize("writer", WRITERS)
def test_a_text_says_reply_stop_and_what_its_writer_must(app, writer):
    debtor = _debtor(writer, "en")
    with force_locale("en"):
        said = notices(debtor, "sms")
    assert said.after_opening == ([DISCLOSURE] if writer == "us_collector" else [])
    assert said.footer[-1] == "Reply STOP to stop texts."
    assert not any("/stop/" in line for line in said.footer)
    if writer == "uk":
        assert said.footer[:2] == [
            "This message is from Harbour Credit.",
            "Free debt advice: MoneyHelper, 0800 138 7777.",
        ]


def test_a_message_shown_in_the_portal_has_no_opt_out_link(app):
    with force_locale("en"):
        said = notices(_debtor("us_collector", "en"), "portal")
    assert said.after_opening == [DISCLOSURE]
    assert said.footer == []


# The opt-out link


@pytest.fixture
def sarah(app):
    return _debtor("uk", "en")


def _stop_path(debtor) -> str:
    return urlsplit(email_headers(debtor)["List-Unsubscribe"].strip("<>")).path


def _email_on(debtor) -> bool:
    db.session.expire_all()
    return "email" in settings_for(debtor).channels


def _opt_outs(debtor) -> list[AuditEvent]:
    return db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.debtor_id == debtor.id, AuditEvent.action == "preferences.changed")
    ).all()


def test_opening_the_opt_out_link_changes_nothing(app, client, sarah):
    for _visit in range(2):
        page = client.get(_stop_path(sarah))
        assert page.status_code == 200
    assert "Stop emails from Harbour Credit" in main_text(page)
    assert _email_on(sarah)
    assert may_contact(sarah, "email", clock.now())
    assert _opt_outs(sarah) == []


def test_the_button_turns_email_off_at_once_and_keeps_every_other_choice(app, client, sarah):
    db.session.add(ContactPreference(debtor_id=sarah.id, discreet=True, windows=["evening"]))
    db.session.commit()
    path = _stop_path(sarah)
    form = client.get(path).get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_from(form)})
    assert done.status_code == 200
    text = main_text(done)
    assert "Emails are off" in text and "To turn them back on, sign in" in text
    assert not _email_on(sarah)
    assert not may_contact(sarah, "email", clock.now())
    kept = settings_for(sarah)
    assert kept.channels == {"sms", "post"} and kept.discreet and kept.windows == {"evening"}
    [audited] = _opt_outs(sarah)
    assert audited.actor_type == "debtor" and audited.detail["channels"] == ["post", "sms"]


def test_an_opted_out_debtors_next_email_is_shown_in_the_portal_instead(app, client, sarah, localstripe):
    path = _stop_path(sarah)
    client.post(path, data={"List-Unsubscribe": "One-Click"})
    account = make_account(sarah, [("itemization", 30_000)])
    outbox.queue(sarah, "link.new", account=account, params={"staff_name": "Alex"})
    db.session.commit()
    assert outbox.deliver(now=clock.now()) == {"in_portal": 1}


def test_a_mail_providers_one_click_post_needs_no_csrf_token(app, client, sarah):
    response = client.post(_stop_path(sarah), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not _email_on(sarah)


def test_any_other_post_without_a_csrf_token_is_refused(app, client, sarah):
    response = client.post(_stop_path(sarah), data={})
    assert response.status_code == 400
    assert _email_on(sarah)


def test_a_forged_or_altered_token_is_refused(app, client, sarah):
    other = _debtor("us_collector", "en")
    forged = URLSafeSerializer(app.config["SECRET_KEY"], salt="another-salt").dumps(
        {"debtor": other.id, "channel": "email"}
    )
    guessed = URLSafeSerializer("not-our-secret", salt="portal.opt-out").dumps({"debtor": other.id, "channel": "email"})
    mine = opt_out_token(sarah, "email")
    altered = mine[:-2] + ("AA" if not mine.endswith("AA") else "BB")
    for token in (forged, guessed, altered, "not-a-real-token"):
        assert client.get(f"/stop/{token}").status_code == 404
        assert client.post(f"/stop/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert _email_on(other) and _email_on(sarah)


def test_the_list_unsubscribe_header_is_written_whole_as_mail_providers_read_it(app, sarah):
    account = make_account(sarah, [("itemization", 30_000)])
    outbox.queue(sarah, "link.new", account=account, params={"staff_name": "Alex"})
    db.session.commit()
    outbox.deliver(now=clock.now())
    [written] = Path(app.config["MAIL_DIR"]).glob("*.eml")
    url = email_headers(sarah)["List-Unsubscribe"]
    assert f"\nList-Unsubscribe: {url}\n".encode() in written.read_bytes()


def test_one_debtors_link_turns_off_only_their_own_email(app, client, sarah):
    other = _debtor("uk", "en")
    client.post(_stop_path(sarah), data={"List-Unsubscribe": "One-Click"})
    assert not _email_on(sarah)
    assert _email_on(other)


def test_the_opt_out_page_is_in_the_debtors_language(app, client):
    debtor = _debtor("uk", "es")
    page = client.get(_stop_path(debtor), headers={"Accept-Language": "en"})
    assert 'lang="es"' in page.get_data(as_text=True)
