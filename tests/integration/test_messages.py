"""Secure messages: the debtor writes, staff answer, the debtor sees replies, and every message is kept."""

import pytest

from portal.extensions import db
from portal.help.service import messages
from portal.models import CreditorEvent, Message, MessageThread
from portal.models.append_only import AppendOnlyError
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor

WORDS = "Can I pay on the 28th instead? That is when I get paid."


@pytest.fixture
def debtor(app, browser):
    creditor = make_uk_creditor(name="Harbour Credit")
    debtor = make_debtor(creditor, reference="HC-2001")
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _write(browser, body=WORDS, subject="Payment date"):
    return browser.post("/help/messages/new", {"subject": subject, "body": body})


def _only_thread() -> MessageThread:
    db.session.expire_all()
    [thread] = db.session.scalars(db.select(MessageThread))
    return thread


def test_with_no_messages_the_page_says_so_and_offers_to_write(browser, debtor):
    text = main_text(browser.get("/help/messages"))
    assert "You have no messages yet." in text
    assert "Write a new message" in text


def test_a_debtor_writes_and_sees_their_message_waiting_for_a_reply(browser, debtor):
    response = _write(browser)
    thread = _only_thread()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/help/messages/{thread.id}"
    text = main_text(browser.get(response.headers["Location"]))
    assert "Your message has been sent. We will reply here." in text
    assert "Payment date" in text and "You wrote" in text and WORDS in text
    assert "Waiting for our reply" in main_text(browser.get("/help/messages"))


def test_a_message_without_a_subject_is_named_by_its_first_words(browser, debtor):
    _write(browser, subject="", body="I have lost my job and I am worried about the next payment on my account")
    assert _only_thread().subject == "I have lost my job and I am worried about the next…"


def test_an_empty_message_asks_for_words_and_sends_nothing(browser, debtor):
    response = _write(browser, body="   ")
    assert response.status_code == 400
    assert 'href="#body"' in response.get_data(as_text=True)
    assert "Write your message" in main_text(response)
    assert db.session.scalar(db.select(MessageThread)) is None


def test_staff_replies_and_the_debtor_reads_the_reply(browser, debtor):
    _write(browser)
    thread = _only_thread()
    messages.reply_as_staff(thread, "Yes, we have moved it to the 28th.", staff_name="Alex")
    db.session.commit()
    assert "Reply from Harbour Credit" in main_text(browser.get("/help/messages"))
    text = main_text(browser.get(f"/help/messages/{thread.id}"))
    assert "Alex at Harbour Credit replied" in text
    assert text.index(WORDS) < text.index("Yes, we have moved it to the 28th.")


def test_the_debtor_answers_in_the_same_conversation(browser, debtor):
    _write(browser)
    thread = _only_thread()
    messages.reply_as_staff(thread, "Which month?")
    db.session.commit()
    response = browser.post(f"/help/messages/{thread.id}", {"body": "From March, please."})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/help/messages/{thread.id}#latest"
    text = main_text(browser.get(f"/help/messages/{thread.id}"))
    assert text.index(WORDS) < text.index("Harbour Credit replied") < text.index("From March, please.")
    assert [m.sender for m in messages.messages_in(_only_thread())] == ["debtor", "staff", "debtor"]
    assert _only_thread().last_sender == "debtor"


def test_every_message_is_kept_as_it_was_sent(browser, debtor):
    _write(browser)
    [message] = db.session.scalars(db.select(Message))
    message.body = "something else"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    [message] = db.session.scalars(db.select(Message))
    db.session.delete(message)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_the_creditor_hears_someone_is_waiting_but_not_what_they_wrote(browser, debtor):
    _write(browser)
    [event] = db.session.scalars(db.select(CreditorEvent).where(CreditorEvent.kind == "message.received"))
    assert event.debtor_id == debtor.id
    assert set(event.data) == {"thread_id", "message_id"}


def test_no_other_debtor_can_read_or_answer_a_conversation(app, browser, debtor):
    _write(browser)
    thread = _only_thread()
    someone_else = make_debtor(debtor.creditor)
    db.session.commit()
    other = Browser(app.test_client())
    other.sign_in(make_link(someone_else), someone_else)
    response = other.get(f"/help/messages/{thread.id}")
    assert response.status_code == 404
    assert "Page not found" in main_text(response)
    assert WORDS not in response.get_data(as_text=True)
    assert other.post(f"/help/messages/{thread.id}", {"body": "sneaky"}).status_code == 404
    assert "Page not found" in main_text(other.post(f"/help/messages/{thread.id}", {"body": "sneaky"}))
    assert "Payment date" not in main_text(other.get("/help/messages"))
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 1


@pytest.mark.parametrize("path", ["/help/messages/new", "/help/messages/{thread}"])
def test_sending_without_the_csrf_token_is_refused(browser, debtor, path):
    _write(browser)
    thread = _only_thread()
    response = browser.client.post(path.format(thread=thread.id), data={"subject": "x", "body": "no token"})
    assert response.status_code == 400
    assert "The form had expired or was sent twice" in main_text(response)
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 1


def test_messages_are_only_for_someone_signed_in(client):
    assert client.get("/help/messages").status_code == 302
    assert client.get("/help/messages/1").status_code == 302
    assert client.get("/help/messages").headers["Location"] == "/?next=%2Fhelp%2Fmessages"
    assert client.get("/help/messages/1").headers["Location"] == "/?next=%2Fhelp%2Fmessages%2F1"


# Staff, until the console exists: `flask messages list / show / reply`


def test_staff_see_who_is_waiting_with_their_latest_words(app, browser, debtor):
    _write(browser)
    thread = _only_thread()
    result = app.test_cli_runner().invoke(args=["messages", "list", "--waiting"])
    assert result.exit_code == 0, result.output
    assert f"{thread.id} " in result.output and "WAITING" in result.output and "HC-2001" in result.output
    assert WORDS in result.output
    messages.reply_as_staff(thread, "Done")
    db.session.commit()
    assert "0 conversation(s)." in app.test_cli_runner().invoke(args=["messages", "list", "--waiting"]).output


def test_staff_reply_to_a_conversation_by_its_number(app, browser, debtor):
    _write(browser)
    thread = _only_thread()
    args = ["messages", "reply", str(thread.id), "--text", "We can do that.", "--by", "Priya"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Priya at Harbour Credit replied" in main_text(browser.get(f"/help/messages/{thread.id}"))
    shown = app.test_cli_runner().invoke(args=["messages", "show", str(thread.id)])
    assert WORDS in shown.output and "Priya:\nWe can do that." in shown.output


def test_staff_reply_to_a_debtor_by_reference_in_their_latest_conversation(app, browser, debtor):
    _write(browser)
    result = app.test_cli_runner().invoke(args=["messages", "reply", "HC-2001", "--text", "Thanks"])
    assert result.exit_code == 0, result.output
    assert [m.sender for m in messages.messages_in(_only_thread())] == ["debtor", "staff"]


def test_staff_can_write_first_to_a_debtor_with_no_conversation(app, browser, debtor):
    args = ["messages", "reply", "HC-2001", "--subject", "Your payment plan", "--text", "We have paused it."]
    assert app.test_cli_runner().invoke(args=args).exit_code == 0
    thread = _only_thread()
    assert (thread.subject, thread.last_sender) == ("Your payment plan", "staff")
    assert "Reply from Harbour Credit" in main_text(browser.get("/help/messages"))


def test_replying_to_nobody_says_so(app, debtor):
    result = app.test_cli_runner().invoke(args=["messages", "reply", "NOPE-1", "--text", "Hello"])
    assert result.exit_code != 0
    assert "No conversation or debtor 'NOPE-1'" in result.output
