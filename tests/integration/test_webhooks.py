"""Signed webhooks: each event reaches the creditor's receiver once, signed as the README says, and a failing
receiver is tried again later and later until 24 hours after the event."""

import hashlib
import hmac
import inspect
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import events
from portal.extensions import db
from portal.models import CreditorEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.webhooks import addresses, delivery
from tests.dns_support import pretend_dns
from tests.factories import make_account, make_creditor, make_debtor
from tests.webhook_receiver import certificate_for, receiver

SECRET = "whsec_test-secret"

pytestmark = [pytest.mark.commits, pytest.mark.usefixtures("app")]  # the receiver answers from other threads


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True if `body` was signed by the portal with `secret` in the last `tolerance` seconds."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - timestamp) <= tolerance


@pytest.fixture
def hooks():
    with receiver() as state:
        yield state


def _event(url: str, kind: str = "payment.succeeded", **data) -> CreditorEvent:
    creditor = make_creditor()
    db.session.add(WebhookEndpoint(creditor_id=creditor.id, url=url, secret=SECRET))
    db.session.flush()
    debtor = make_debtor(creditor, reference="CUST-1")
    account = make_account(debtor, reference="ACC-1")
    event = events.emit(kind, debtor=debtor, account=account, **(data or {"payment": "P-1", "amount": 5000}))
    db.session.commit()
    return event


def _delivery(event: CreditorEvent) -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id))


def test_the_readme_shows_the_same_verification_as_this_test():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert inspect.getsource(verify) in readme


def test_an_event_arrives_as_signed_json_with_its_id(hooks):
    event = _event(hooks.url)

    assert delivery.deliver(now=event.created_at) == {"delivered": 1}

    [request] = hooks.requests
    assert verify(SECRET, request.headers["Portal-Signature"], request.body)
    assert not verify("whsec_another", request.headers["Portal-Signature"], request.body)
    assert not verify(SECRET, request.headers["Portal-Signature"], request.body + b" ")
    assert request.headers["Portal-Event-Id"] == str(event.id)
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "id": str(event.id),
        "type": "payment.succeeded",
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"debtor": "CUST-1", "account": "ACC-1", "payment": "P-1", "amount": 5000},
    }
    found = _delivery(event)
    assert found.state == "delivered" and found.attempts == 1 and found.last_status_code == 200
    assert db.session.get(CreditorEvent, event.id).delivered_at is not None
    [attempt] = db.session.scalars(select(WebhookAttempt)).all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, None)
    assert attempt.duration_ms >= 0 and attempt.response_excerpt == '{"ok": true}'


def test_a_delivered_event_is_not_sent_again(hooks):
    event = _event(hooks.url)
    delivery.deliver(now=event.created_at)
    assert delivery.deliver(now=event.created_at + timedelta(hours=1)) == {}
    assert len(hooks.requests) == 1


def test_events_of_a_creditor_without_a_webhook_are_not_queued():
    creditor = make_creditor()
    events.emit("link.opened", debtor=make_debtor(creditor), link="x")
    db.session.commit()
    assert db.session.scalars(select(WebhookDelivery)).all() == []


def test_a_failing_receiver_is_tried_again_after_1_2_and_4_minutes(hooks):
    hooks.status = 500
    event = _event(hooks.url)
    start = event.created_at

    assert delivery.deliver(now=start) == {"retrying": 1}
    assert _delivery(event).next_attempt_at == start + timedelta(minutes=1)
    assert delivery.deliver(now=start + timedelta(seconds=59)) == {}
    assert delivery.deliver(now=start + timedelta(minutes=1)) == {"retrying": 1}
    assert _delivery(event).next_attempt_at == start + timedelta(minutes=3)
    assert delivery.deliver(now=start + timedelta(minutes=3)) == {"retrying": 1}
    assert _delivery(event).next_attempt_at == start + timedelta(minutes=7)

    hooks.status = 204
    assert delivery.deliver(now=start + timedelta(minutes=7)) == {"delivered": 1}
    found = _delivery(event)
    assert found.state == "delivered" and found.attempts == 4
    attempts = db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.number)).all()
    assert [(a.number, a.status_code, a.error) for a in attempts] == [
        (1, 500, "HTTP 500"),
        (2, 500, "HTTP 500"),
        (3, 500, "HTTP 500"),
        (4, 204, None),
    ]
    assert attempts[0].response_excerpt == "receiver broke"
    assert len({r.headers["Portal-Event-Id"] for r in hooks.requests}) == 1


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(hooks):
    hooks.delay = 1.0
    event = _event(hooks.url)

    assert delivery.deliver(now=event.created_at, timeout=0.2) == {"retrying": 1}

    found = _delivery(event)
    assert found.last_status_code is None and found.last_error == "timed out"
    assert found.next_attempt_at == event.created_at + timedelta(minutes=1)


def test_a_receiver_nobody_listens_on_is_tried_again(hooks):
    event = _event("http://127.0.0.1:9/hooks")
    assert delivery.deliver(now=event.created_at) == {"retrying": 1}
    assert _delivery(event).last_error


def test_the_waits_double_up_to_an_hour():
    assert [delivery.backoff(n) for n in (1, 2, 3, 4, 6, 7, 20)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(minutes=32),
        timedelta(hours=1),
        timedelta(hours=1),
    ]


def test_a_delivery_gives_up_24_hours_after_its_event(hooks):
    hooks.status = 503
    event = _event(hooks.url)
    moment = event.created_at
    while (found := _delivery(event)).state == "pending":
        moment = found.next_attempt_at
        delivery.deliver(now=moment)

    assert found.state == "failed" and found.last_error == "HTTP 503"
    assert moment <= event.created_at + timedelta(hours=24)
    assert moment + delivery.backoff(found.attempts) > event.created_at + timedelta(hours=24)
    assert found.attempts == len(hooks.requests) == 29
    assert delivery.deliver(now=event.created_at + timedelta(days=2)) == {}
    assert len(hooks.requests) == 29


def test_a_redirect_is_not_followed(hooks):
    hooks.status = 302
    event = _event(hooks.url)
    assert delivery.deliver(now=event.created_at) == {"retrying": 1}
    assert _delivery(event).last_status_code == 302
    assert len(hooks.requests) == 1


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    pretend_dns(monkeypatch, answers)
    return answers


def _by_name(hooks) -> str:
    """The receiver's URL with a name instead of 127.0.0.1: hooks.test, which only pretend DNS knows."""
    return hooks.url.replace("127.0.0.1", "hooks.test")


def test_a_name_that_now_resolves_to_a_private_address_is_not_called(app, hooks, dns):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    dns["hooks.test"] = ["127.0.0.1"]  # where the receiver listens: a connection would reach it
    event = _event(_by_name(hooks))

    assert delivery.deliver(now=event.created_at) == {"retrying": 1}

    assert hooks.requests == []
    found = _delivery(event)
    assert found.last_error == "not sent: hooks.test is at 127.0.0.1, which is not on the internet"
    [attempt] = db.session.scalars(select(WebhookAttempt)).all()
    assert (attempt.status_code, attempt.error) == (None, found.last_error)


def test_a_name_that_no_longer_resolves_is_tried_again(hooks, dns):
    dns["hooks.test"] = []
    event = _event(_by_name(hooks))
    assert delivery.deliver(now=event.created_at) == {"retrying": 1}
    assert _delivery(event).last_error == "no address found for hooks.test" and hooks.requests == []


def test_the_event_goes_to_the_address_that_was_checked_not_to_a_later_answer(hooks, dns, monkeypatch):
    """DNS rebinding: the name answers the address that is checked, then another; the connection uses the first,
    and the receiver still sees the name in the Host header."""
    dns["hooks.test"] = ["127.0.0.1"]
    check = addresses.resolve

    def check_then_rebind(host, **kwargs):
        checked = check(host, **kwargs)
        dns["hooks.test"] = ["127.0.0.2"]  # nothing listens there
        return checked

    monkeypatch.setattr(addresses, "resolve", check_then_rebind)
    event = _event(_by_name(hooks))

    assert delivery.deliver(now=event.created_at) == {"delivered": 1}
    [request] = hooks.requests
    assert request.headers["Host"] == _by_name(hooks).split("/")[2]


@pytest.fixture
def tls_hooks(dns, monkeypatch, tmp_path):
    """An HTTPS receiver whose certificate is for hooks.test, trusted; hooks.test and other.test lead to it."""
    certificate = certificate_for("hooks.test", tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    dns["hooks.test"] = dns["other.test"] = ["127.0.0.1"]
    with receiver(tls=certificate) as state:
        yield state


def test_https_goes_to_the_checked_address_with_the_name_for_tls(tls_hooks):
    event = _event(_by_name(tls_hooks))
    assert delivery.deliver(now=event.created_at) == {"delivered": 1}
    assert len(tls_hooks.requests) == 1


def test_https_to_a_name_the_certificate_is_not_for_is_refused(tls_hooks):
    event = _event(tls_hooks.url.replace("127.0.0.1", "other.test"))
    assert delivery.deliver(now=event.created_at) == {"retrying": 1}
    assert "certificate" in _delivery(event).last_error and tls_hooks.requests == []


def test_events_waiting_when_webhooks_are_stopped_are_not_sent(hooks):
    event = _event(hooks.url)
    db.session.execute(db.delete(WebhookEndpoint))
    db.session.commit()
    assert delivery.deliver(now=event.created_at) == {"failed": 1}
    assert _delivery(event).last_error == "no webhook address" and hooks.requests == []


def test_flask_webhooks_deliver_sends_what_is_due(app, hooks):
    _event(hooks.url)
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert "Webhooks: delivered 1." in result.output
    assert len(hooks.requests) == 1
