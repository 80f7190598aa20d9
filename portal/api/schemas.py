"""The API's request and response bodies: the same schemas validate requests and write the OpenAPI document."""

from datetime import date

from marshmallow import Schema, fields, validate

from portal.creditors.records import ITEM_KINDS
from portal.models.hold import HOLD_KINDS
from portal.translated import OTHER_LANGUAGES

#: the creditor's own references in URLs: letters, digits, dot, dash, underscore
REFERENCE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
#: a link's public id: URL-safe base64
LINK_ID_PATTERN = r"[A-Za-z0-9_-]{1,32}"
#: the largest amount in minor units a ledger column holds comfortably
MAX_AMOUNT = 2_000_000_000
#: dates outside these years are typing mistakes
DATES = validate.Range(min=date(1900, 1, 1), max=date(2199, 12, 31))
CHANNELS = ("email", "sms", "letter")
#: PostgreSQL text holds no NUL character
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="contains a NUL character")


def _text(length: int, *, required: bool = False, **kwargs) -> fields.String:
    minimum = 1 if required else 0
    return fields.String(
        required=required,
        validate=[validate.Length(min=minimum, max=length), NO_NUL],
        allow_none=not required,
        **kwargs,
    )


def _translations(length: int, what: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(OTHER_LANGUAGES)),
        values=fields.String(validate=[validate.Length(min=1, max=length), NO_NUL]),
        allow_none=True,
        metadata={
            "description": f'{what} in other languages, by language: {{"es": "Tarjeta de crédito"}}. '
            "Pages in that language show it; others show `description`."
        },
    )


def _date(*, required: bool = False, **kwargs) -> fields.Date:
    return fields.Date(required=required, allow_none=not required, validate=DATES, **kwargs)


class DebtorIn(Schema):
    name = _text(200, required=True)
    date_of_birth = _date(metadata={"description": "Required when the creditor asks debtors for it."})
    postcode = _text(16, metadata={"description": "Postcode or ZIP; required when the creditor asks for it."})
    email = fields.Email(allow_none=True, validate=validate.Length(max=200))
    phone = _text(40)
    address = _text(500)
    language = fields.String(
        allow_none=True, validate=validate.OneOf(("en", "es")), metadata={"description": "None: the creditor's."}
    )
    timezone = _text(64, metadata={"description": "IANA name, e.g. America/New_York; None: the creditor's."})


class DebtorOut(Schema):
    reference = fields.String(required=True)
    name = fields.String(required=True, attribute="full_name")
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    language = fields.String(allow_none=True, attribute="locale")
    timezone = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class AccountIn(Schema):
    description = _text(200, required=True, metadata={"description": "What the debt is for, in the debtor's words."})
    description_translations = _translations(200, "The description")
    original_creditor = _text(200, required=True)
    original_reference = _text(64)
    currency = fields.String(
        allow_none=True, validate=validate.Length(equal=3), metadata={"description": "The creditor's currency."}
    )
    itemization_date = _date(required=True)
    itemization_amount = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_AMOUNT),
        metadata={"description": "Minor units. Recorded once, as the first ledger entry: it may not change later."},
    )
    itemization_creditor = _text(200)
    current_creditor = _text(200, metadata={"description": "Default: the creditor, unless it is a debt collector."})
    monthly_interest = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_AMOUNT),
        metadata={"description": "Minor units."},
    )
    validation_notice_sent_on = _date()
    time_barred = fields.Boolean(allow_none=True)
    payment_restarts_time_limit = fields.Boolean(allow_none=True)
    statute_barred = fields.Boolean(allow_none=True)


class AccountOut(Schema):
    reference = fields.String(required=True)
    debtor_reference = fields.String(required=True)
    description = fields.String(required=True)
    description_translations = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    original_creditor = fields.String(required=True)
    original_reference = fields.String(allow_none=True)
    currency = fields.String(required=True)
    status = fields.String(required=True)
    itemization_date = fields.Date(required=True)
    itemization_amount = fields.Integer(required=True)
    itemization_creditor = fields.String(allow_none=True)
    current_creditor = fields.String(required=True)
    monthly_interest = fields.Integer(required=True)
    balance = fields.Integer(required=True, metadata={"description": "Minor units, summed from the ledger."})
    created_at = fields.DateTime(required=True)


class LedgerItemIn(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(tuple(ITEM_KINDS)),
        metadata={"description": "charge, fee and interest add to the balance; adjustment and payment reduce it."},
    )
    amount = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_AMOUNT),
        metadata={"description": "Minor units, always positive: the kind says which way it moves the balance."},
    )
    effective_date = _date(required=True)
    reference = _text(
        100, required=True, metadata={"description": "Your unique id for the item: posting it again adds nothing."}
    )
    description = _text(200)
    description_translations = _translations(200, "The description (when you send one)")


class LedgerItemOut(Schema):
    reference = fields.String(required=True)
    ledger_kind = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Signed minor units, as the ledger holds it."})
    currency = fields.String(required=True)
    effective_date = fields.Date(required=True)
    description = fields.String(allow_none=True)
    description_translations = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    balance = fields.Integer(required=True, metadata={"description": "The account's balance now."})
    created_at = fields.DateTime(required=True)


class LinkIn(Schema):
    ttl_days = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=365))
    campaign = _text(100)
    channel = fields.String(allow_none=True, validate=validate.OneOf(CHANNELS))


class LinkOut(Schema):
    id = fields.String(required=True, attribute="public_id")
    debtor_reference = fields.String(required=True)
    url = fields.String(allow_none=True, metadata={"description": "Only in the answer that issued the link."})
    short_url = fields.String(required=True)
    expires_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    campaign = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)


class HoldIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(HOLD_KINDS))
    account_reference = fields.String(allow_none=True, validate=validate.Regexp(f"^{REFERENCE_PATTERN}$"))
    starts_on = _date(metadata={"description": "Default: today, where the debtor lives."})
    days = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Breathing space: 60 by default; mental-health crisis: until ended; pause: required."},
    )


class HoldEndIn(Schema):
    on = _date(metadata={"description": "The first day off hold. Default: today, where the debtor lives."})


class HoldOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    debtor_reference = fields.String(required=True)
    account_reference = fields.String(allow_none=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, metadata={"description": "The first day off hold; None: until ended."})
    finished_at = fields.DateTime(allow_none=True)


class EventsQuery(Schema):
    after = fields.String(metadata={"description": "The `next` cursor of the previous page; none: from the start."})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class EventOut(Schema):
    cursor = fields.String(required=True)
    kind = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    debtor_reference = fields.String(allow_none=True)
    account_reference = fields.String(allow_none=True)
    data = fields.Dict(required=True)


class EventsPage(Schema):
    events = fields.List(fields.Nested(EventOut), required=True)
    next = fields.String(required=True, metadata={"description": "Pass as `after` for what follows."})


class Problem(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), metadata={"description": "What is wrong, by field."}
    )
    rule = fields.String(metadata={"description": "The rule that refused the request, when one did."})
