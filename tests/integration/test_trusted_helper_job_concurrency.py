"""Several `flask helpers run` at once, and a debtor ending an access while they run, end each access once and warn
each debtor once: one creditor event and one message each.

Real concurrency needs real row locks, so this runs on PostgreSQL only (TEST_DATABASE_URL), as the collect race does.
"""

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.models import CreditorEvent, OutboundMessage, TrustedHelper
from portal.models.trusted_helper import EndedBy
from portal.trusted import service
from portal.trusted.job import run
from tests.factories import make_debtor, make_uk_creditor
from tests.integration.test_collect_concurrency import RUNS, _postgresql_only  # noqa: F401  (PostgreSQL only)
from tests.integration.test_self_pay_concurrency import _at_once

pytestmark = [pytest.mark.postgres, pytest.mark.commits]


@pytest.fixture
def settings(tmp_path):
    return {
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RUNS + 5, "max_overflow": 0},
    }


@pytest.fixture
def helpers(app):
    """Two helpers whose access ends in three days, and two whose access ended yesterday, each a debtor's."""
    creditor = make_uk_creditor()
    now = clock.now()
    made = []
    for n, ends_in in enumerate([3, 3, -1, -1]):
        debtor = make_debtor(creditor, email=f"debtor{n}@example.com")
        made.append(
            TrustedHelper(
                debtor=debtor,
                public_id=f"helper-{n}",
                name="Ana Lopez",
                email=f"ana{n}@advice.example.org",
                relationship="debt_adviser",
                invited_at=now - timedelta(days=90 - ends_in),
                expires_at=now + timedelta(days=ends_in),
            )
        )
    db.session.add_all(made)
    db.session.commit()
    return made


def test_concurrent_runs_and_the_debtor_end_or_warn_each_access_once(app, helpers):
    now = clock.now()

    def debtor_ends_it():
        helper = db.session.get(TrustedHelper, helpers[2].id)
        ended = service.end(helper, by=EndedBy.DEBTOR, now=now)
        db.session.commit()
        return ended

    results = _at_once(app, [lambda: run(now)] * RUNS + [debtor_ends_it])
    reports, by_debtor = results[:RUNS], results[RUNS]

    assert sum(report.counts["warned"] for report in reports) == 2
    assert sum(report.counts["ended"] for report in reports) + by_debtor == 2
    db.session.expire_all()
    ended = db.session.scalars(db.select(TrustedHelper.ended_at).order_by(TrustedHelper.id))
    assert [at is not None for at in ended] == [False, False, True, True]
    kinds = [event.kind for event in db.session.scalars(db.select(CreditorEvent))]
    assert kinds.count("helper.ended") == 2
    templates = [message.template for message in db.session.scalars(db.select(OutboundMessage))]
    assert (templates.count("trusted.ending_soon"), templates.count("trusted.ended")) == (2, 2)
