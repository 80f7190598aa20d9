"""`flask webhooks deliver`: send each due event to its creditor's receiver, signed, until it answers 2xx.

Safe to run from cron on several machines at once. A delivery is claimed with `SELECT ... FOR UPDATE SKIP
LOCKED` (PostgreSQL) and a conditional UPDATE that moves its next attempt a lease ahead (atomic on SQLite
too), committed before the receiver is called: another run skips it, and a run that dies mid-call leaves it
to be tried again when the lease ends. Every attempt is recorded; a failed one is retried after 1, 2, 4, ...
minutes (at most an hour apart) until 24 hours after the event, then the delivery is failed. Events of one
creditor may arrive in any order.
"""

import http.client
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from portal import clock
from portal.events import as_json
from portal.extensions import db
from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.transaction import commit_claim, rollback, unit_of_work
from portal.webhooks import addresses
from portal.webhooks.signing import signature_header

log = logging.getLogger(__name__)

#: how long a claimed delivery is this run's before another run may try it (longer than any call)
LEASE = timedelta(minutes=2)
#: seconds to wait for the receiver to connect and answer
TIMEOUT = 10.0
#: the longest wait between two attempts
MAX_BACKOFF = timedelta(hours=1)
#: how much of the receiver's answer the delivery log keeps
EXCERPT = 200


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1 minute, then twice as long each time, at most an hour."""
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_BACKOFF)


def deliver(now: datetime | None = None, timeout: float = TIMEOUT) -> Counter:
    """Attempt every delivery that is due; returns how many ended each way (delivered, retrying, failed)."""
    now = now or clock.now()
    due = db.session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    ).all()
    db.session.rollback()
    counts: Counter = Counter()
    for delivery_id in due:
        with unit_of_work():
            outcome = _deliver_one(delivery_id, now, timeout)
        if outcome:
            counts[outcome] += 1
    return counts


def _due(delivery_id: int, now: datetime):
    return (
        WebhookDelivery.id == delivery_id,
        WebhookDelivery.state == "pending",
        WebhookDelivery.next_attempt_at <= now,
    )


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery for this run's next attempt, in one atomic statement: two runs never both send it."""
    locked = db.session.scalar(
        select(WebhookDelivery.id).where(*_due(delivery_id, now)).with_for_update(skip_locked=True)
    )
    if locked is None:
        return None
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(*_due(delivery_id, now))
        .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return db.session.get(WebhookDelivery, delivery_id, populate_existing=True) if claimed else None


def _deliver_one(delivery_id: int, now: datetime, timeout: float) -> str | None:
    delivery = _claim(delivery_id, now)
    if delivery is None:
        rollback()
        return None
    endpoint = db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.creditor_id == delivery.creditor_id))
    if endpoint is None:
        return _finish(delivery, "failed", now, "no webhook address")
    url, secret, number = endpoint.url, endpoint.secret, delivery.attempts
    allow_private = current_app.config["WEBHOOK_ALLOW_PRIVATE"]
    body = json.dumps(as_json(delivery.event), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Portal-Webhooks/1",
        "Portal-Event-Id": str(delivery.event_id),
        # the real time, not the run's `now`: receivers compare it with their own clock
        "Portal-Signature": signature_header(secret, int(time.time()), body),
    }
    commit_claim()

    started_at, started = clock.now(), time.monotonic()
    status, error, excerpt = _post(url, body, headers, timeout, allow_private=allow_private)
    duration_ms = round((time.monotonic() - started) * 1000)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=number,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=status,
            error=error,
            response_excerpt=excerpt,
        )
    )
    delivery.last_status_code, delivery.last_error = status, error
    if status is not None and 200 <= status < 300:
        delivery.event.delivered_at = delivery.event.delivered_at or now
        return _finish(delivery, "delivered", now, None)
    log.warning("Webhook delivery %s (%s) attempt %d: %s", delivery.id, delivery.event.kind, number, error)
    retry_at = now + backoff(number)
    if retry_at > delivery.give_up_at:
        return _finish(delivery, "failed", now, error)
    delivery.next_attempt_at = retry_at
    return "retrying"


def _finish(delivery: WebhookDelivery, state: str, now: datetime, error: str | None) -> str:
    delivery.state, delivery.finished_at = state, now
    if error:
        delivery.last_error = error
    return state


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver's redirect is an answer that is not 2xx, never a second address to send the event to."""

    def redirect_request(self, *args, **kwargs):
        return None


class _ToChecked(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """http and https, each connecting only to the addresses that were checked."""

    def __init__(self, checked: list[str]):
        super().__init__()
        self.checked = checked

    def http_open(self, req):
        return self.do_open(_connecting_to(http.client.HTTPConnection, self.checked), req)

    def https_open(self, req):
        return self.do_open(_connecting_to(http.client.HTTPSConnection, self.checked), req, context=self._context)


def _connecting_to(connection_class, checked: list[str]):
    """Connections that reach the URL's port on the checked addresses, whatever DNS answers by now (no
    rebinding between the check and the call); the Host header and TLS (SNI, certificate) keep the hostname."""

    def connection(host, **kwargs):
        made = connection_class(host, **kwargs)
        made._create_connection = partial(_connect, checked)
        return made

    return connection


def _connect(checked: list[str], where: tuple[str, int], timeout, source_address=None) -> socket.socket:
    """socket.create_connection to each address in turn, as it would try each address of a name."""
    failed = None
    for address in checked:
        try:
            return socket.create_connection((address, where[1]), timeout, source_address)
        except OSError as error:
            failed = error
    raise failed


def _opener_to(checked: list[str]) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect and connects only to the checked addresses; no proxy from the
    environment either, as a proxy would look the name up again itself."""
    return urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}), _ToChecked(checked))


def _post(
    url: str, body: bytes, headers: dict, timeout: float, *, allow_private: bool
) -> tuple[int | None, str | None, str | None]:
    """POST the body: (status code, short error, start of the answer). Never raises for the receiver's sake.

    The host is looked up again (DNS may have changed since the URL was saved): an address that is not on the
    internet is an error, with no connection made, unless `allow_private`.
    """
    if not url.startswith(("https://", "http://")):
        return None, "not an http(s) address", None
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310  (http(s) only)
    try:
        checked = addresses.resolve(urlsplit(url).hostname, allow_private=allow_private)
        with _opener_to(checked).open(request, timeout=timeout) as response:
            return response.status, None, _excerpt(response.read(EXCERPT))
    except urllib.error.HTTPError as answer:
        return answer.code, f"HTTP {answer.code}", _excerpt(answer.read(EXCERPT))
    except urllib.error.URLError as error:
        return None, _reason(error.reason), None
    except (TimeoutError, OSError) as error:
        return None, _reason(error), None


def _reason(error) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    return (str(getattr(error, "strerror", None) or error) or type(error).__name__)[:EXCERPT]


def _excerpt(data: bytes) -> str | None:
    return data.decode("utf-8", "replace")[:EXCERPT] or None


def latest(creditor_id: int, state: str | None = None, limit: int = 100) -> list[WebhookDelivery]:
    """The creditor's newest deliveries (in one state, or all), each with its attempts, for the delivery log."""
    query = select(WebhookDelivery).where(WebhookDelivery.creditor_id == creditor_id)
    if state:
        query = query.where(WebhookDelivery.state == state)
    query = query.options(selectinload(WebhookDelivery.attempt_rows))
    return list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)))
