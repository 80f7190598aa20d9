"""Magic links: issue, open, check identity, lock. Plain functions; the caller's unit of work commits."""

import enum
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem
from limits import parse as parse_limit
from sqlalchemy import case, insert, literal, select, update

from portal import events
from portal.extensions import db, limiter
from portal.models import Creditor, Debtor, LinkRequest, MagicLink
from portal.models.audit import record, record_many
from portal.public_url import public_url, public_urls
from portal.security import is_local_path

_SALT = "portal.magic-link"


class LinkProblem(enum.StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    LOCKED = "locked"
    #: too many wrong answers from this address, for this debtor or this link: wait, or ask for a new link
    LIMITED = "limited"


class Issued(NamedTuple):
    token: str
    short_code: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def issue_link(
    debtor: Debtor,
    *,
    ttl_days: int | None = None,
    campaign: str | None = None,
    channel: str | None = None,
    destination: str | None = None,
    now: datetime | None = None,
) -> tuple[MagicLink, str]:
    """Create a link for a debtor; returns the row (with its short code) and the signed token for the URL.

    `destination` is a path in the portal to open once they have proved who they are.
    """
    fields = _link_fields(debtor.creditor, ttl_days, campaign, destination, now)
    link = MagicLink(public_id=_public_id(), short_code=short_code(), channel=channel, debtor=debtor, **fields)
    db.session.add(link)
    db.session.flush()
    record("link.issued", actor_type="creditor", actor_id=debtor.creditor_id, debtor_id=debtor.id, link=link.public_id)
    return link, _serializer().dumps(link.public_id)


def issue_links(
    creditor: Creditor,
    debtor_ids: Sequence[int],
    *,
    ttl_days: int | None = None,
    campaign: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> list[Issued]:
    """Create a link for each of a creditor's debtors (a bulk command); returns their tokens and short codes,
    in order.

    Issued as `issue_link` issues one, but as plain rows sent in one batch each (the links, then their
    audit events) and signed by one serializer: one link at a time, the database round trips were most
    of the cost, then building an object for each row (bench/jobs.py measures it).
    """
    fields = _link_fields(creditor, ttl_days, campaign, None, now)
    rows = [
        {"public_id": _public_id(), "short_code": short_code(), "channel": channel, "debtor_id": debtor_id, **fields}
        for debtor_id in debtor_ids
    ]
    if rows:
        db.session.execute(insert(MagicLink), rows)
    record_many(
        "link.issued",
        actor_type="creditor",
        events=(
            {"actor_id": creditor.id, "debtor_id": row["debtor_id"], "detail": {"link": row["public_id"]}}
            for row in rows
        ),
    )
    serializer = _serializer()
    return [Issued(serializer.dumps(row["public_id"]), row["short_code"]) for row in rows]


def tokens_for(public_ids: Iterable[str]) -> list[str]:
    """The tokens of links already issued, in order: a link's URL can be given again (a re-run bulk import)
    because its token only signs its public id."""
    serializer = _serializer()
    return [serializer.dumps(public_id) for public_id in public_ids]


def _public_id() -> str:
    return secrets.token_urlsafe(12)


#: no 0/O, 1/I/L or U: a code read aloud or copied from a letter is typed right
SHORT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_LENGTH = 10


def short_code() -> str:
    """A random code for a short address: 30^10 (about 2^49) codes, so guessing one is hopeless at the rate
    /s/ allows, and the link behind it still asks the identity question."""
    return "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_LENGTH))


def find_by_short_code(code: str) -> MagicLink | None:
    code = code.strip().upper()
    if len(code) != SHORT_LENGTH or not set(code) <= set(SHORT_ALPHABET):
        return None
    return db.session.scalar(db.select(MagicLink).where(MagicLink.short_code == code))


def short_url(code: str) -> str:
    """The short address to put in a text message."""
    return public_url("links.open_short_link", code=code)


def _link_fields(
    creditor: Creditor, ttl_days: int | None, campaign: str | None, destination: str | None, now: datetime | None
) -> dict:
    """What a new link says besides its id and its debtor: campaign, destination, and how long it lasts."""
    if destination is not None and not is_local_path(destination):
        raise ValueError(f"a link can only lead to a page of the portal, not {destination!r}")
    now = now or datetime.now(UTC)
    days = ttl_days if ttl_days is not None else creditor.link_lifetime_days
    expires_at = now + timedelta(days=days)
    return {"campaign": campaign, "destination": destination, "created_at": now, "expires_at": expires_at}


def debtors_without_link(creditor: Creditor, now: datetime | None = None) -> list[str]:
    """The references of the creditor's debtors with no link they could use now (none, or only expired,
    revoked or locked ones), in order.

    Two plain queries and a difference in Python, not NOT EXISTS: just after a bulk issue PostgreSQL's
    statistics still say magic_link is empty, and for NOT EXISTS it then read every link once for every
    debtor (8 s for 10,000 debtors; this takes 30 ms).
    """
    now = now or datetime.now(UTC)
    with_link = set(
        db.session.scalars(
            select(MagicLink.debtor_id)
            .join(Debtor, Debtor.id == MagicLink.debtor_id)
            .where(
                Debtor.creditor_id == creditor.id,
                MagicLink.revoked_at.is_(None),
                MagicLink.locked_at.is_(None),
                MagicLink.expires_at > now,
            )
        )
    )
    debtors = db.session.execute(
        select(Debtor.id, Debtor.reference).where(Debtor.creditor_id == creditor.id).order_by(Debtor.reference)
    )
    return [debtor.reference for debtor in debtors if debtor.id not in with_link]


def debtor_ids(creditor: Creditor, references: Iterable[str]) -> dict[str, int]:
    """The id of each of these references the creditor knows (unknown ones are left out)."""
    rows = db.session.execute(
        select(Debtor.reference, Debtor.id).where(Debtor.creditor_id == creditor.id, Debtor.reference.in_(references))
    )
    return {row.reference: row.id for row in rows}


def landing_page(link: MagicLink) -> str:
    """Where a debtor goes after the identity check: the link's page, or their accounts."""
    if link.destination and is_local_path(link.destination):
        return link.destination
    return url_for("accounts.dashboard")


def link_url(token: str) -> str:
    """The full address to put in an SMS, email or letter."""
    return link_urls([token])[0]


def link_urls(tokens: Iterable[str]) -> list[str]:
    """The full address of each token, in order."""
    return public_urls("links.open_link", ({"token": token} for token in tokens))


def find_link(token: str) -> MagicLink | None:
    """The link a token names, or None when the token is forged or unknown."""
    try:
        public_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(public_id, str):
        return None
    return db.session.scalar(db.select(MagicLink).where(MagicLink.public_id == public_id))


def find_by_public_id(public_id: str | None) -> MagicLink | None:
    if not public_id:
        return None
    return db.session.scalar(db.select(MagicLink).where(MagicLink.public_id == public_id))


def link_problem(link: MagicLink | None, now: datetime | None = None) -> LinkProblem | None:
    """Why a link can't be used right now, or None if it can."""
    now = now or datetime.now(UTC)
    if link is None:
        return LinkProblem.INVALID
    if link.revoked_at is not None:
        return LinkProblem.REVOKED
    if link.locked_at is not None:
        return LinkProblem.LOCKED
    if link.expires_at <= now:
        return LinkProblem.EXPIRED
    return None


def record_open(link: MagicLink, now: datetime | None = None) -> None:
    """Count an open. Opening never signs anyone in, so mail scanners can't use up a link."""
    link.open_count = MagicLink.open_count + 1
    link.last_opened_at = now or datetime.now(UTC)
    record("link.opened", actor_type="debtor", debtor_id=link.debtor_id, link=link.public_id)
    events.emit("link.opened", debtor=link.debtor, link=link.public_id, campaign=link.campaign, channel=link.channel)


def revoke_link(link: MagicLink, now: datetime | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = now or datetime.now(UTC)
        record(
            "link.revoked",
            actor_type="creditor",
            actor_id=link.debtor.creditor_id,
            debtor_id=link.debtor_id,
            link=link.public_id,
        )


def normalise_postcode(text: str) -> str:
    """Compare postcodes and ZIP codes without spaces or case; a ZIP+4 matches its 5 digits."""
    cleaned = "".join(text.split()).upper()
    if len(cleaned) == 10 and cleaned[5] == "-" and cleaned[:5].isdigit():
        return cleaned[:5]
    return cleaned


def identity_matches(debtor: Debtor, *, date_of_birth: date | None = None, postcode: str | None = None) -> bool:
    method = debtor.creditor.identity_method
    if method == "date_of_birth":
        return date_of_birth is not None and debtor.date_of_birth == date_of_birth
    if method == "postcode":
        return (
            bool(postcode)
            and bool(debtor.postcode)
            and (secrets.compare_digest(normalise_postcode(postcode), normalise_postcode(debtor.postcode)))
        )
    raise ValueError(f"unknown identity method {method!r}")


class IdentityRefused(Exception):
    """The answer was not compared: the link has no tries left, or too many wrong answers came in."""

    def __init__(self, problem: LinkProblem):
        super().__init__(problem.value)
        self.problem = problem


class IdentityCheck(NamedTuple):
    """A compared answer: right or wrong, and how many tries the link has left."""

    matched: bool
    tries_left: int


def _wrong_answer_limits(link: MagicLink, ip: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """Wrong answers are limited per address, per debtor and per link; right answers never count,
    because thousands of people can share one mobile-network or office address."""
    config = current_app.config
    prefix = (config["RATELIMIT_KEY_PREFIX"],) if config.get("RATELIMIT_KEY_PREFIX") else ()
    per_debtor = config["IDENTITY_ATTEMPTS_PER_DEBTOR"]
    return [
        (parse_limit(config["IDENTITY_ATTEMPTS_PER_IP"]), (*prefix, "identity", "ip", ip)),
        (parse_limit(per_debtor), (*prefix, "identity", "debtor", str(link.debtor_id))),
        (parse_limit(config["IDENTITY_ATTEMPTS_PER_LINK"]), (*prefix, "identity", "link", link.public_id)),
    ]


def _claim_try(link: MagicLink, now: datetime) -> int | None:
    """Take one of the link's tries in one atomic statement, locking the link with the last one.

    Returns the try's number, or None when the link has none left (or is no longer usable).
    """
    limit = current_app.config["IDENTITY_MAX_FAILURES"]
    return db.session.execute(
        update(MagicLink)
        .where(
            MagicLink.id == link.id,
            MagicLink.locked_at.is_(None),
            MagicLink.revoked_at.is_(None),
            MagicLink.expires_at > now,
            MagicLink.failed_attempts < limit,
        )
        .values(
            failed_attempts=MagicLink.failed_attempts + 1,
            locked_at=case((MagicLink.failed_attempts + 1 >= limit, literal(now, MagicLink.locked_at.type))),
        )
        .returning(MagicLink.failed_attempts)
    ).scalar_one_or_none()


def _give_back_try(link: MagicLink) -> None:
    """A right answer costs no try; if it held the last one, the link was locked only while it was checked."""
    db.session.execute(
        update(MagicLink)
        .where(MagicLink.id == link.id)
        .values(failed_attempts=MagicLink.failed_attempts - 1, locked_at=None)
    )


def check_identity(
    link: MagicLink,
    *,
    ip: str,
    date_of_birth: date | None = None,
    postcode: str | None = None,
    now: datetime | None = None,
) -> IdentityCheck:
    """Compare an identity answer, within the link's tries and the limits on wrong answers.

    The try is claimed before the answer is compared, so answers racing each other through many
    workers get IDENTITY_MAX_FAILURES checks between them at most. Raises IdentityRefused when the
    answer may not be compared at all.
    """
    now = now or datetime.now(UTC)
    limits = _wrong_answer_limits(link, ip)
    if not all(limiter.limiter.test(item, *key) for item, key in limits):
        raise IdentityRefused(LinkProblem.LIMITED)
    attempt = _claim_try(link, now)
    if attempt is None:
        db.session.refresh(link)
        raise IdentityRefused(link_problem(link, now) or LinkProblem.LOCKED)
    limit = current_app.config["IDENTITY_MAX_FAILURES"]
    if identity_matches(link.debtor, date_of_birth=date_of_birth, postcode=postcode):
        _give_back_try(link)
        return IdentityCheck(matched=True, tries_left=limit - attempt + 1)
    for item, key in limits:
        limiter.limiter.hit(item, *key)
    record("identity.failed", actor_type="debtor", debtor_id=link.debtor_id, link=link.public_id, attempt=attempt)
    if attempt >= limit:
        record("link.locked", actor_type="system", debtor_id=link.debtor_id, link=link.public_id)
    return IdentityCheck(matched=False, tries_left=limit - attempt)


def record_sign_in(link: MagicLink) -> None:
    link.sign_in_count = MagicLink.sign_in_count + 1
    record(
        "session.started", actor_type="debtor", actor_id=link.debtor_id, debtor_id=link.debtor_id, link=link.public_id
    )


def request_new_link(link: MagicLink | None, reason: LinkProblem, contact: str | None = None) -> LinkRequest:
    """Note that someone wants a new link; the creditor or a person follows it up."""
    request = LinkRequest(
        magic_link_id=link.id if link else None,
        debtor_id=link.debtor_id if link else None,
        reason=reason.value,
        contact=contact,
    )
    db.session.add(request)
    record("link.new_requested", actor_type="debtor", debtor_id=request.debtor_id, reason=reason.value)
    return request
