"""The emails `collect` leaves for the debtor (confirm it's you, a decline, a missed payment, a plan ended).

They go only when `may_contact` allows (contact hours, preferences), so a run at 3am leaves them
for the next run in the morning. Each is claimed before it is sent, so two runs never both send it.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import select, update

from portal.extensions import db
from portal.help.contact import may_contact
from portal.mail import MailError
from portal.models import Debtor, Instalment
from portal.plans.emails import send_plan_email

log = logging.getLogger(__name__)


def still_true(kind: str, instalment: Instalment) -> bool:
    """Only say what is still so: a request to confirm a payment the debtor already confirmed is noise."""
    if kind == "requires_action":
        return instalment.status == "requires_action"
    if kind == "retry":
        return instalment.status == "scheduled" and instalment.retry_on is not None
    if kind == "missed":
        return instalment.status == "missed" and instalment.plan.status != "broken"
    if kind == "broken":
        return instalment.plan.status == "broken"
    return False


def send_notices(now: datetime | None = None) -> int:
    """Send every waiting notice the debtor may receive now; returns how many went."""
    now = now or datetime.now(UTC)
    ids = db.session.scalars(select(Instalment.id).where(Instalment.notice.is_not(None)).order_by(Instalment.id)).all()
    db.session.rollback()
    sent = 0
    for instalment_id in ids:
        instalment = db.session.execute(
            select(Instalment)
            .where(Instalment.id == instalment_id, Instalment.notice.is_not(None))
            .with_for_update(of=Instalment, skip_locked=True)
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if instalment is None:
            db.session.rollback()
            continue
        kind = instalment.notice
        debtor = db.session.get(Debtor, instalment.plan.debtor_id)
        if not debtor.email or not still_true(kind, instalment):
            instalment.notice = None  # nothing to say any more, or no way to say it by email
            db.session.commit()
            continue
        if not may_contact(debtor, "email", now):
            db.session.rollback()
            continue
        db.session.execute(
            update(Instalment)
            .where(Instalment.id == instalment.id)
            .values(notice=None, notice_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        try:
            send_plan_email(kind, instalment, debtor)
            db.session.commit()  # the sign-in link in it
        except MailError as error:
            log.error("Plan notice %s for instalment %s not sent: %s", kind, instalment.id, error)
            db.session.rollback()
            db.session.execute(
                update(Instalment)
                .where(Instalment.id == instalment.id)
                .values(notice=kind, notice_sent_at=None)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            continue
        sent += 1
    return sent
