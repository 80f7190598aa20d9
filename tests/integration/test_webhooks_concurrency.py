"""Several `flask webhooks deliver` runs at the same moment send each event once, on SQLite and PostgreSQL."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from portal import clock, events
from portal.extensions import db
from portal.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.webhooks import delivery
from tests.factories import make_creditor, make_debtor
from tests.webhook_receiver import receiver

RUNS = 4
EVENTS = 12


def test_runners_at_once_deliver_each_event_once(app_on_each_database):
    app = app_on_each_database
    with receiver() as hooks:
        creditor = make_creditor()
        db.session.add(WebhookEndpoint(creditor_id=creditor.id, url=hooks.url, secret="whsec_race"))
        db.session.flush()
        debtor = make_debtor(creditor)
        for n in range(EVENTS):
            events.emit("link.opened", debtor=debtor, link=f"link-{n}")
        db.session.commit()
        now = clock.now()
        barrier = threading.Barrier(RUNS)

        def run(_):
            with app.app_context():
                barrier.wait()
                return delivery.deliver(now=now)

        with ThreadPoolExecutor(max_workers=RUNS) as pool:
            reports = list(pool.map(run, range(RUNS)))

    assert sum(report["delivered"] for report in reports) == EVENTS
    sent = Counter(request.headers["Portal-Event-Id"] for request in hooks.requests)
    assert len(sent) == EVENTS and set(sent.values()) == {1}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == EVENTS
    assert set(db.session.scalars(select(WebhookDelivery.attempts))) == {1}
