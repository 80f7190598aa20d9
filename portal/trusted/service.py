"""Someone you trust to help: the debtor invites them, renews or ends their access; the helper proves with a code
that they read the address the debtor gave; access lasts TRUSTED_HELPER_DAYS unless renewed.

Plain functions over the session: the caller's unit of work commits. Ending is claimed in one conditional UPDATE,
so the debtor, staff and the expiry ending one access at the same moment end it once (one event, one message).
A code is claimed try by try as contact-detail codes are (portal.one_time_codes). The warning that access ends
soon is claimed the same way, once per end date (`claim_expiry_warning`; renewing clears it).
"""

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update

from portal import events, outbox
from portal.confirmations import channel_for
from portal.domain_errors import NotAllowedNow, NotFoundForOwner
from portal.extensions import db
from portal.models import Debtor, HelperCode, TrustedHelper
from portal.models.audit import record
from portal.models.trusted_helper import EndedBy
from portal.one_time_codes import CodeRefused, use_code, write_code
from portal.public_url import public_url

_SALT = "portal.trusted-helper"
_PURPOSE = "helper-code"
#: helpers a debtor may invite in a day (each invitation is an email to an address they typed)
INVITES_PER_DAY = 5
#: codes a helper may ask for in an hour
CODES_PER_HOUR = 5
#: how many days before access ends the debtor is told (portal.trusted.job), and their page says so
WARN_DAYS = 7


class TooManyInvites(NotAllowedNow):
    """INVITES_PER_DAY invitations in the last day already."""


class TooManyCodes(NotAllowedNow):
    """CODES_PER_HOUR codes in the last hour already."""


class AccessEnded(NotAllowedNow):
    """The helper's access has ended (or expired): nothing more is done with it."""


def access_days() -> int:
    return current_app.config["TRUSTED_HELPER_DAYS"]


def is_active(helper: TrustedHelper, now: datetime) -> bool:
    return helper.ended_at is None and helper.expires_at > now


def invite(
    debtor: Debtor,
    *,
    name: str,
    email: str,
    relationship: str,
    may_propose: bool,
    may_pay: bool,
    now: datetime,
) -> TrustedHelper:
    """Give someone access (the form has checked the fields) and email them their own link."""
    invited = db.session.scalar(
        select(func.count(TrustedHelper.id)).where(
            TrustedHelper.debtor_id == debtor.id, TrustedHelper.invited_at > now - timedelta(days=1)
        )
    )
    if invited >= INVITES_PER_DAY:
        raise TooManyInvites(f"debtor {debtor.id} invited {invited} helpers in the last day")
    helper = TrustedHelper(
        debtor=debtor,
        public_id=secrets.token_urlsafe(16),
        name=name.strip(),
        email=email,
        relationship=relationship,
        may_propose=may_propose,
        may_pay=may_pay,
        invited_at=now,
        expires_at=now + timedelta(days=access_days()),
    )
    db.session.add(helper)
    db.session.flush()
    _changed("helper.invited", helper, actor_type="debtor", actor_id=debtor.id)
    outbox.queue(debtor, "trusted.invitation", to_address=helper.email, params={"helper_id": helper.id})
    outbox.queue(debtor, "trusted.invited", channel=channel_for(debtor), params={"helper_id": helper.id})
    return helper


def ending_soon(helpers: list[TrustedHelper], now: datetime) -> dict[int, int]:
    """{helper id: whole days left in the debtor's calendar (0: today)} for access ending within WARN_DAYS."""
    left = {}
    for helper in helpers:
        zone = ZoneInfo(helper.debtor.effective_timezone)
        days = (helper.expires_at.astimezone(zone).date() - now.astimezone(zone).date()).days
        if days <= WARN_DAYS:
            left[helper.id] = days
    return left


def helpers_of(debtor: Debtor, now: datetime) -> list[TrustedHelper]:
    """The people who can help with the debtor's account now, the newest first."""
    return list(
        db.session.scalars(
            select(TrustedHelper)
            .where(
                TrustedHelper.debtor_id == debtor.id,
                TrustedHelper.ended_at.is_(None),
                TrustedHelper.expires_at > now,
            )
            .order_by(TrustedHelper.invited_at.desc(), TrustedHelper.id.desc())
        )
    )


def every_helper_of(debtor: Debtor) -> list[TrustedHelper]:
    """Everyone the debtor ever invited, ended or not (for staff)."""
    return list(
        db.session.scalars(
            select(TrustedHelper)
            .where(TrustedHelper.debtor_id == debtor.id)
            .order_by(TrustedHelper.invited_at.desc(), TrustedHelper.id.desc())
        )
    )


def helper_of(debtor: Debtor, helper_id: int) -> TrustedHelper:
    """One of the debtor's helpers; anyone else's is not found."""
    helper = db.session.scalar(
        select(TrustedHelper).where(TrustedHelper.id == helper_id, TrustedHelper.debtor_id == debtor.id)
    )
    if helper is None:
        raise NotFoundForOwner(f"helper {helper_id} is not debtor {debtor.id}'s")
    return helper


def renew(helper: TrustedHelper, *, now: datetime) -> None:
    """Another TRUSTED_HELPER_DAYS from now, for access that has not ended."""
    renewed = db.session.execute(
        update(TrustedHelper)
        .where(TrustedHelper.id == helper.id, TrustedHelper.ended_at.is_(None), TrustedHelper.expires_at > now)
        .values(expires_at=now + timedelta(days=access_days()), expiry_warned_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not renewed:
        raise AccessEnded(f"helper {helper.id} has no access to renew")
    db.session.refresh(helper)
    _changed("helper.renewed", helper, actor_type="debtor", actor_id=helper.debtor_id)


def end(
    helper: TrustedHelper,
    *,
    by: EndedBy,
    now: datetime,
    staff_id: int | None = None,
    reason: str | None = None,
) -> bool:
    """End the access, once: False when it had ended already. The debtor is told unless they ended it."""
    ended = db.session.execute(
        update(TrustedHelper)
        .where(TrustedHelper.id == helper.id, TrustedHelper.ended_at.is_(None))
        .values(ended_at=now, ended_by=by.value, ended_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not ended:
        return False
    db.session.refresh(helper)
    actor = {EndedBy.DEBTOR: ("debtor", helper.debtor_id), EndedBy.STAFF: ("staff", staff_id)}.get(by, ("system", None))
    _changed("helper.ended", helper, actor_type=actor[0], actor_id=actor[1], ended_by=by.value, why=reason)
    outbox.queue(helper.debtor, "trusted.ended", channel=channel_for(helper.debtor), params={"helper_id": helper.id})
    return True


def claim_expiry_warning(helper: TrustedHelper, *, now: datetime, days: int) -> bool:
    """True for the one caller that may tell the debtor this access ends within `days`: once per end date."""
    claimed = db.session.execute(
        update(TrustedHelper)
        .where(
            TrustedHelper.id == helper.id,
            TrustedHelper.ended_at.is_(None),
            TrustedHelper.expiry_warned_at.is_(None),
            TrustedHelper.expires_at > now,
            TrustedHelper.expires_at <= now + timedelta(days=days),
        )
        .values(expiry_warned_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(helper)
    return claimed == 1


def check_access(helper: TrustedHelper, *, now: datetime) -> None:
    """Raise AccessEnded unless the helper may go on now; access that has run out is ended here, as it is seen."""
    if helper.ended_at is None and helper.expires_at <= now:
        end(helper, by=EndedBy.EXPIRED, now=now)
    if not is_active(helper, now):
        raise AccessEnded(f"helper {helper.id} has no access")


def seen(helper: TrustedHelper, *, now: datetime) -> None:
    helper.last_seen_at = now


def _changed(action: str, helper: TrustedHelper, *, actor_type: str, actor_id: int | None, **detail) -> None:
    """Audit it and tell the creditor: who the helper is to the debtor and what they may do, never their name."""
    facts = {
        "helper": helper.id,
        "relationship": helper.relationship,
        "may_propose": helper.may_propose,
        "may_pay": helper.may_pay,
        "until": helper.expires_at.isoformat(),
    }
    record(action, actor_type=actor_type, actor_id=actor_id, debtor_id=helper.debtor_id, **facts, **detail)
    events.emit(
        action, debtor=helper.debtor, **facts, **({"ended_by": detail["ended_by"]} if "ended_by" in detail else {})
    )


# The helper's own link and code


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def link_for(helper: TrustedHelper) -> str:
    """The helper's own address into the portal: it names them, never the debtor's sign-in."""
    return public_url("helping.open_link", token=_serializer().dumps(helper.public_id))


def find_by_token(token: str) -> TrustedHelper | None:
    try:
        public_id = _serializer().loads(token)
    except BadSignature:
        return None
    return find_by_public_id(public_id)


def find_by_public_id(public_id: str | None) -> TrustedHelper | None:
    if not public_id:
        return None
    return db.session.scalar(select(TrustedHelper).where(TrustedHelper.public_id == public_id))


def send_code(helper: TrustedHelper, *, now: datetime) -> HelperCode:
    """Email the helper a new code; earlier ones stop working."""
    check_access(helper, now=now)
    asked = db.session.scalar(
        select(func.count(HelperCode.id)).where(
            HelperCode.helper_id == helper.id, HelperCode.created_at > now - timedelta(hours=1)
        )
    )
    if asked >= CODES_PER_HOUR:
        raise TooManyCodes(f"helper {helper.id} asked for {asked} codes in the last hour")
    db.session.execute(
        update(HelperCode)
        .where(HelperCode.helper_id == helper.id, HelperCode.used_at.is_(None), HelperCode.cancelled_at.is_(None))
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    code = HelperCode(helper_id=helper.id, created_at=now)
    db.session.add(code)
    db.session.flush()
    outbox.queue(helper.debtor, "trusted.code", to_address=helper.email, params={"code_id": code.id})
    _by_helper("helper.code_sent", helper, code=code.id)
    return code


def new_code(code: HelperCode, *, now: datetime) -> str:
    """Write the code (when its email is written, so it exists only once it can be sent)."""
    return write_code(code, _PURPOSE, code.helper_id, now=now)


def pending_code(helper: TrustedHelper) -> HelperCode | None:
    return db.session.scalar(
        select(HelperCode)
        .where(HelperCode.helper_id == helper.id, HelperCode.used_at.is_(None), HelperCode.cancelled_at.is_(None))
        .order_by(HelperCode.id.desc())
        .limit(1)
    )


def confirm_code(helper: TrustedHelper, typed: str, *, now: datetime) -> None:
    """Compare a code with the helper's newest one; the right one works once. Raises CodeRefused, AccessEnded."""
    check_access(helper, now=now)
    code = pending_code(helper)
    if code is None:
        raise CodeRefused("none")
    use_code(
        code,
        typed,
        done=(HelperCode.used_at, HelperCode.cancelled_at),
        purpose=_PURPOSE,
        parts=(code.helper_id,),
        now=now,
        on_wrong=lambda attempt: _by_helper("helper.code_wrong", helper, code=code.id, attempt=attempt),
    )
    seen(helper, now=now)
    _by_helper("helper.signed_in", helper, code=code.id)


def helper_detail(helper: TrustedHelper) -> dict:
    """What an audit event about a helper says: who, what they are to the debtor (the debtor's page shows these)."""
    return {"helper_name": helper.name, "relationship": helper.relationship}


def _by_helper(action: str, helper: TrustedHelper, **detail) -> None:
    record(
        action, actor_type="helper", actor_id=helper.id, debtor_id=helper.debtor_id, **helper_detail(helper), **detail
    )
