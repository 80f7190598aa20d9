"""`flask helpers run` (cron, daily): access that has run out ends on its day, and the debtor hears a week before,
once, so they can renew it while the person still helps.

Without it, access that ran out ended only when the helper next came (`service.check_access`), and the debtor
was never told. Each helper is a step of its own (one commit). Ending and warning are each claimed in one
conditional UPDATE, so two runs at once, or a run while the debtor ends or renews, tell the debtor once.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal import clock, outbox
from portal.confirmations import channel_for
from portal.extensions import db
from portal.models import TrustedHelper
from portal.models.trusted_helper import EndedBy
from portal.transaction import unit_of_work
from portal.trusted import service


@dataclass
class HelpersReport:
    #: ended, warned
    counts: Counter = field(default_factory=Counter)
    messages: dict[str, int] = field(default_factory=dict)


def run(now: datetime | None = None) -> HelpersReport:
    now = now or clock.now()
    report = HelpersReport()
    ids = db.session.scalars(
        select(TrustedHelper.id)
        .where(TrustedHelper.ended_at.is_(None), TrustedHelper.expires_at <= now + timedelta(days=service.WARN_DAYS))
        .order_by(TrustedHelper.expires_at, TrustedHelper.id)
    ).all()
    db.session.rollback()
    with outbox.held_for_the_job():
        for helper_id in ids:
            with unit_of_work():
                happened = _step(helper_id, now)
                if happened:
                    report.counts[happened] += 1
    report.messages = outbox.deliver(now=now)
    return report


def _step(helper_id: int, now: datetime) -> str | None:
    helper = db.session.get(TrustedHelper, helper_id)
    if helper is None:
        return None
    if helper.expires_at <= now:
        return "ended" if service.end(helper, by=EndedBy.EXPIRED, now=now) else None
    if service.claim_expiry_warning(helper, now=now, days=service.WARN_DAYS):
        outbox.queue(
            helper.debtor, "trusted.ending_soon", channel=channel_for(helper.debtor), params={"helper_id": helper.id}
        )
        return "warned"
    return None
