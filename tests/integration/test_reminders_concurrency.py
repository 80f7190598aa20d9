"""Several `flask reminders send` runs at the same moment write to each debtor once, by each channel once.

Real concurrency needs real row locks, so this runs on PostgreSQL only (TEST_DATABASE_URL).
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboundMessage, Reminder
from portal.reminders.service import send_reminders
from tests.factories import make_account, make_creditor, make_debtor
from tests.plan_support import emails

RUNS = 4
DEBTORS = 6
NOON = datetime(2026, 12, 2, 12, tzinfo=ZoneInfo("America/New_York"))

pytestmark = [pytest.mark.postgres, pytest.mark.commits]


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "needs PostgreSQL (set TEST_DATABASE_URL): SQLite lets one writer in at a time, so it cannot show "
            "what truly concurrent runs do"
        )


@pytest.fixture
def settings(twilio, tmp_path):
    return twilio.settings | {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RUNS + 5, "max_overflow": 0},
    }


def test_concurrent_runs_remind_each_debtor_once_by_each_channel(app, twilio):
    creditor = make_creditor(policy={"portal_sends_reminders": {"channels": ["email", "sms"]}})
    for n in range(DEBTORS):
        debtor = make_debtor(
            creditor, email=f"debtor{n}@example.com", phone=f"(555) 010-01{n:02d}", timezone="America/New_York"
        )
        make_account(debtor)
    db.session.commit()
    barrier = threading.Barrier(RUNS)

    def run(_):
        with app.app_context():
            barrier.wait()
            return send_reminders(campaign="december", now=NOON)

    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        reports = list(pool.map(run, range(RUNS)))

    assert sum(report.counts["queued"] for report in reports) == DEBTORS
    assert sum(report.counts["queued"] + report.counts["taken"] + report.counts["recent"] for report in reports) == (
        RUNS * DEBTORS
    )
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == DEBTORS
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 2 * DEBTORS
    assert sorted(text["to"] for text in twilio.texts()) == [f"+155501001{n:02d}" for n in range(DEBTORS)]
    assert len(emails(app)) == DEBTORS
