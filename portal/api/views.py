"""The creditor API, /api/v1: thin views over plain services, every query scoped to the key's creditor."""

import base64
import binascii

from flask import current_app, g
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal import clock
from portal.accounts.ledger import balance_of, sums_by_kind
from portal.api import idempotency, problems
from portal.api.access import rate_limit_key, require_key
from portal.api.schemas import (
    AccountIn,
    AccountOut,
    DebtorIn,
    DebtorOut,
    EventsPage,
    EventsQuery,
    HoldEndIn,
    HoldIn,
    HoldOut,
    LedgerItemIn,
    LedgerItemOut,
    LinkIn,
    LinkOut,
)
from portal.creditors import records
from portal.domain_errors import NotFoundForOwner
from portal.extensions import db, limiter
from portal.links import service as links
from portal.models import Account, Creditor, CreditorEvent, Debtor, Hold, LedgerEntry, MagicLink
from portal.models.account import LedgerKind
from portal.rights.service import holds

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Load debtors and accounts, send links, hear back.")
blp.before_request(require_key)
blp.before_request(idempotency.claim_or_replay)
blp.after_request(idempotency.store_answer)
problems.register(blp)
# once, here: the limiter keeps a blueprint's limits by its name, for every app built in this process
limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=rate_limit_key)(blp)

BY = holds.BY_CREDITOR_API
#: the error answers each kind of operation may give, besides 401 and 429 (documented on every one)
READ_ERRORS = (404,)
WRITE_ERRORS = (404, 409, 422)


def _documented(*statuses: int, idempotent: bool = False):
    """Name the problem+json answers an operation may give, and a POST's Idempotency-Key, in the document."""

    def decorate(view):
        for status in (401, 429, *statuses):
            view = blp.alt_response(status, response=_RESPONSE_NAMES[status])(view)
        if idempotent:
            view = blp.doc(parameters=[IDEMPOTENCY_PARAMETER])(view)
        return view

    return decorate


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "The same key and request again get the first answer; with another request, a 409.",
}


_RESPONSE_NAMES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    404: "NOT_FOUND",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
}


def _creditor() -> Creditor:
    return g.api_key.creditor


def _debtor(reference: str) -> Debtor:
    return records.get_debtor(_creditor(), reference)


def _account(debtor_reference: str, reference: str) -> Account:
    return records.get_account(_debtor(debtor_reference), reference)


# Debtors and accounts


@blp.route("/debtors/<ref:reference>", methods=["PUT"])
@blp.arguments(DebtorIn)
@blp.response(200, DebtorOut, description="Updated")
@blp.alt_response(201, schema=DebtorOut, description="Created")
@_documented(*WRITE_ERRORS)
def put_debtor(body: dict, reference: str):
    """Create or update a debtor by your reference.

    A PUT says everything: optional fields left out are cleared. The date of birth or postcode (whichever
    the portal asks your debtors) is required.
    """
    fields = {("full_name" if k == "name" else "locale" if k == "language" else k): v for k, v in body.items()}
    debtor, created = records.put_debtor(_creditor(), reference, fields)
    return debtor, 201 if created else 200


@blp.route("/debtors/<ref:reference>", methods=["GET"])
@blp.response(200, DebtorOut)
@_documented(*READ_ERRORS)
def get_debtor(reference: str):
    """A debtor by your reference."""
    return _debtor(reference)


def _account_out(account: Account) -> dict:
    return {
        **{name: getattr(account, name) for name in AccountOut().fields if hasattr(account, name)},
        # as the creditor sent it, whatever language the request asks for
        "description": account.description_text,
        "debtor_reference": account.debtor.reference,
        "itemization_amount": sums_by_kind(account).get(LedgerKind.ITEMIZATION, 0),
        "balance": balance_of(account),
    }


@blp.route("/debtors/<ref:reference>/accounts/<ref:account_reference>", methods=["PUT"])
@blp.arguments(AccountIn)
@blp.response(200, AccountOut, description="Updated")
@blp.alt_response(201, schema=AccountOut, description="Created")
@_documented(*WRITE_ERRORS)
def put_account(body: dict, reference: str, account_reference: str):
    """Create or update an account by your reference.

    The itemization (date and amount) becomes the account's first ledger entry. The ledger is never
    rewritten: a later PUT with another itemization date or amount is refused (409 naming the field);
    post an adjustment instead.
    """
    account, created = records.put_account(_debtor(reference), account_reference, body)
    return _account_out(account), 201 if created else 200


@blp.route("/debtors/<ref:reference>/accounts/<ref:account_reference>", methods=["GET"])
@blp.response(200, AccountOut)
@_documented(*READ_ERRORS)
def get_account(reference: str, account_reference: str):
    """An account by your references, with its balance."""
    return _account_out(_account(reference, account_reference))


@blp.route("/debtors/<ref:reference>/accounts/<ref:account_reference>/ledger-items", methods=["POST"])
@blp.arguments(LedgerItemIn)
@blp.response(200, LedgerItemOut, description="Already posted with this reference: the same item")
@blp.alt_response(201, schema=LedgerItemOut, description="Added")
@_documented(400, *WRITE_ERRORS, idempotent=True)
def post_ledger_item(body: dict, reference: str, account_reference: str):
    """Add a charge, fee, interest, adjustment or payment taken elsewhere.

    Your `reference` is unique across your ledger items: posting it again returns the first item (200) and
    adds nothing; with another account, kind or amount it is refused (409). Interest and fees on an account
    on hold, or whose interest is frozen, are refused (409, `rule`: "hold" or "interest_freeze").
    """
    account = _account(reference, account_reference)
    entry, created = records.add_ledger_item(account, **body)
    return _item_out(account, entry, body["reference"]), 201 if created else 200


def _item_out(account: Account, entry: LedgerEntry, reference: str) -> dict:
    return {
        "reference": reference,
        "ledger_kind": entry.kind,
        "amount": entry.amount,
        "currency": account.currency,
        "effective_date": entry.effective_date,
        "description": entry.description,
        "description_translations": entry.description_translations,
        "balance": balance_of(account),
        "created_at": entry.created_at,
    }


# Links


def _link_out(link: MagicLink, url: str | None = None) -> dict:
    return {
        "public_id": link.public_id,
        "debtor_reference": link.debtor.reference,
        "url": url,
        "short_url": links.short_url(link.short_code),
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "campaign": link.campaign,
        "channel": link.channel,
    }


@blp.route("/debtors/<ref:reference>/links", methods=["POST"])
@blp.arguments(LinkIn)
@blp.response(201, LinkOut)
@_documented(400, *WRITE_ERRORS, idempotent=True)
def post_link(body: dict, reference: str):
    """Issue a link for a debtor: the full URL for email and letters, the short one for text messages.

    The full URL is in this answer only (send an Idempotency-Key to get it again on a retry).
    """
    link, token = links.issue_link(_debtor(reference), **{k: v for k, v in body.items() if v is not None})
    return _link_out(link, links.link_url(token)), 201


def _owned_link(public_id: str) -> MagicLink:
    link = db.session.scalar(
        select(MagicLink)
        .join(Debtor, Debtor.id == MagicLink.debtor_id)
        .where(MagicLink.public_id == public_id, Debtor.creditor_id == _creditor().id)
    )
    if link is None:
        raise NotFoundForOwner(f"No link {public_id!r} for this creditor.")
    return link


@blp.route("/links/<link_id:link_id>/revoke", methods=["POST"])
@blp.response(200, LinkOut)
@_documented(400, 409, *READ_ERRORS, idempotent=True)
def revoke_link(link_id: str):
    """Revoke a link: it stops working at once. Revoking it again changes nothing."""
    link = _owned_link(link_id)
    links.revoke_link(link)
    return _link_out(link)


# Holds


def _hold_out(hold: Hold) -> dict:
    debtor = db.session.get(Debtor, hold.debtor_id)
    account = db.session.get(Account, hold.account_id) if hold.account_id else None
    return {
        "id": hold.id,
        "kind": hold.kind,
        "debtor_reference": debtor.reference,
        "account_reference": account.reference if account else None,
        "starts_on": hold.starts_on,
        "ends_on": hold.ends_on,
        "finished_at": hold.finished_at,
    }


@blp.route("/debtors/<ref:reference>/holds", methods=["POST"])
@blp.arguments(HoldIn)
@blp.response(201, HoldOut)
@_documented(400, *WRITE_ERRORS, idempotent=True)
def post_hold(body: dict, reference: str):
    """Start a hold (Breathing Space, a mental-health crisis breathing space, or a pause you grant) on one
    account, or on all of the debtor's accounts.

    While it lasts nothing is collected, no reminder is sent, and interest and fees are refused.
    """
    debtor = _debtor(reference)
    account = records.get_account(debtor, body["account_reference"]) if body.get("account_reference") else None
    if body["kind"] == "creditor_pause" and not body.get("days"):
        abort(422, message="Say how many days the pause lasts", errors={"days": ["required for a creditor pause"]})
    hold = holds.start_hold(
        debtor,
        kind=body["kind"],
        account=account,
        starts_on=body.get("starts_on") or clock.today_for(debtor),
        days=body.get("days"),
        by=BY,
    )
    db.session.flush()
    return _hold_out(hold), 201


@blp.route("/holds/<int(max=2147483647):hold_id>/end", methods=["POST"])
@blp.arguments(HoldEndIn)
@blp.response(200, HoldOut)
@_documented(400, *WRITE_ERRORS, idempotent=True)
def end_hold(body: dict, hold_id: int):
    """End a hold: plan payments move on by its length, the accounts reopen. Ending it twice is a 409."""
    hold = db.session.scalar(
        select(Hold)
        .join(Debtor, Debtor.id == Hold.debtor_id)
        .where(Hold.id == hold_id, Debtor.creditor_id == _creditor().id)
    )
    if hold is None:
        raise NotFoundForOwner(f"No hold {hold_id} for this creditor.")
    debtor = db.session.get(Debtor, hold.debtor_id)
    holds.end_hold(hold, on=body.get("on") or clock.today_for(debtor), by=BY)
    return _hold_out(hold)


# Events


def _cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"event:{event_id}".encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        if kind == "event" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    abort(400, message="Unknown cursor: pass the `next` of a page", errors={"after": ["not a cursor"]})


@blp.route("/events", methods=["GET"])
@blp.arguments(EventsQuery, location="query")
@blp.response(200, EventsPage)
@_documented(400)
def list_events(query: dict):
    """What happened since a cursor (payments, plans, proposals, disputes, holds, ...), oldest first.

    Keep the `next` cursor and pass it as `after` next time: an empty page keeps the same cursor.
    """
    after = _after(query.get("after"))
    account = aliased(Account)
    rows = db.session.execute(
        select(CreditorEvent, Debtor.reference, account.reference)
        .outerjoin(Debtor, Debtor.id == CreditorEvent.debtor_id)
        .outerjoin(account, account.id == CreditorEvent.account_id)
        .where(CreditorEvent.creditor_id == _creditor().id, CreditorEvent.id > after)
        .order_by(CreditorEvent.id)
        .limit(query["limit"])
    ).all()
    events = [
        {
            "cursor": _cursor(event.id),
            "kind": event.kind,
            "created_at": event.created_at,
            "debtor_reference": debtor_reference,
            "account_reference": account_reference,
            "data": event.data or {},
        }
        for event, debtor_reference, account_reference in rows
    ]
    return {"events": events, "next": events[-1]["cursor"] if events else (query.get("after") or _cursor(0))}
