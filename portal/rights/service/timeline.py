"""What the "what happens next" steps of an account depend on, read from the database."""

from datetime import date

from portal.extensions import db
from portal.models import Account, Plan
from portal.models.plan import LIVE_STATUSES
from portal.rights.service import disputes, holds
from portal.rights.timeline import Facts
from portal.rights.validation import validation_period_end


def facts_for(account: Account, balance: int, today: date) -> Facts:
    sent_on = account.validation_notice_sent_on
    us = account.debtor.creditor.jurisdiction == "US"
    plan = db.session.scalar(
        db.select(Plan).where(Plan.account_id == account.id, Plan.status.in_(LIVE_STATUSES)).order_by(Plan.id.desc())
    )
    upcoming = [i for i in plan.instalments if i.status == "scheduled"] if plan else []
    return Facts(
        jurisdiction=account.debtor.creditor.jurisdiction,
        status=account.status,
        balance=balance,
        today=today,
        timezone=account.debtor.effective_timezone,
        dispute=disputes.in_progress(account, "dispute"),
        request=disputes.in_progress(account, "original_creditor"),
        claim=disputes.in_progress(account, "statute_barred"),
        hold=holds.active_hold(account, today),
        validation_sent_on=sent_on if us else None,
        validation_ends_on=validation_period_end(sent_on) if us and sent_on else None,
        plan=plan,
        next_instalment=upcoming[0] if upcoming else None,
    )
