"""The one module that talks to Stripe.

Everything else sees plain dataclasses and the named errors below, never a Stripe object, so a
test can stand a fake in, and the same code runs against Stripe or a local `localstripe`
(the API base URL is a setting). The Stripe SDK is passed in (`StripeGateway(client)`), or
built from the app's settings by `StripeGateway.from_config()`.

Notes on localstripe (1.15), which the tests and the demo use:
- it ignores `Idempotency-Key`, so our own idempotency lives in the database; we still send
  the key, which protects us with the real Stripe;
- PaymentIntent create takes only a few fields, and an existing PaymentIntent can't be
  confirmed with a new payment method, so we create it with `confirm=True`;
- confirming a SetupIntent does not attach the card to the customer, so we attach it;
- listing PaymentIntents takes no `customer` filter (see `find_payment_intent`);
- its Stripe.js has no working `createPaymentMethod`, and a PaymentIntent takes no `setup_future_usage`:
  the tests and the demo run it through tests/localstripe_server.py, which adds both, so the bank checks a
  card once per payment there as with Stripe.
"""

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import stripe

log = logging.getLogger(__name__)


class _NoBodies(logging.Filter):
    """The SDK logs whole request and response bodies at DEBUG: client secrets, card details. Never."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


logging.getLogger("stripe").addFilter(_NoBodies())

#: seconds a webhook signature stays valid; older deliveries are refused as replays
WEBHOOK_TOLERANCE = 300
#: the most Stripe takes at once, in minor units (eight digits)
MAX_AMOUNT = 99_999_999


class GatewayError(Exception):
    """Stripe refused the request: nothing happened."""

    def __init__(self, message: str = "", code: str | None = None):
        super().__init__(message)
        self.code = code


class NotFound(GatewayError):
    """Stripe does not know the object (e.g. a customer deleted, or localstripe restarted)."""


class CustomerNotFound(NotFound):
    """Stripe does not know the customer a card was to be attached to: make a new one."""


class NotYourCard(GatewayError):
    """The payment method is not a card, or already belongs to another customer: never charge it for this one."""


class CardDeclined(GatewayError):
    """The card was refused. `intent` is the PaymentIntent Stripe left behind, when it tells us."""

    def __init__(self, message: str = "", code: str | None = None, intent: "Intent | None" = None):
        super().__init__(message, code or "card_declined")
        self.intent = intent


class GatewayUnavailable(Exception):
    """We could not hear Stripe's answer (network, timeout, Stripe error): the outcome is unknown."""


class InvalidSignature(Exception):
    """A webhook body whose Stripe-Signature is missing, wrong, too old or dated in the future."""


class Unreadable(Exception):
    """A Stripe object without the fields we need, or with fields of the wrong kind."""


@dataclass(frozen=True)
class Intent:
    """What we need to know about a PaymentIntent."""

    id: str
    #: Stripe's status: succeeded, requires_action, processing, requires_payment_method, canceled, ...
    status: str
    #: minor units
    amount: int
    #: ISO 4217, upper case
    currency: str
    client_secret: str | None = field(default=None, repr=False)
    metadata: dict[str, str] = field(default_factory=dict)
    #: the code of the last payment error: card_declined, payment_intent_authentication_failure, ...
    error_code: str | None = None
    #: the decline code the bank gave, e.g. insufficient_funds
    decline_code: str | None = None

    @classmethod
    def from_stripe(cls, data: Any) -> "Intent":
        """Read a PaymentIntent from the API or from a webhook event's `data.object`.

        Raises Unreadable when a field we rely on is missing or of the wrong kind: a signed event is
        still only as good as its fields, and a guess about money is worse than no answer.
        """
        data = data.to_dict() if isinstance(data, stripe.StripeObject) else data
        if not isinstance(data, dict):
            raise Unreadable("not an object")
        amount = data.get("amount")
        error = data.get("last_payment_error") or {}
        metadata = data.get("metadata") or {}
        if not all(_text(data.get(name)) for name in ("id", "status", "currency")):
            raise Unreadable("no id, status or currency")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
            raise Unreadable("no amount in minor units")
        if not isinstance(error, dict) or not isinstance(metadata, dict):
            raise Unreadable("last_payment_error or metadata is not an object")
        return cls(
            id=data["id"],
            status=data["status"],
            amount=amount,
            currency=data["currency"].upper(),
            client_secret=data.get("client_secret") if _text(data.get("client_secret")) else None,
            # Stripe's metadata values are text; anything else can't name one of our payments.
            metadata={key: value for key, value in metadata.items() if _text(key) and _text(value)},
            error_code=error.get("code") if _text(error.get("code")) else None,
            decline_code=error.get("decline_code") if _text(error.get("decline_code")) else None,
        )


@dataclass(frozen=True)
class SetupState:
    id: str
    status: str
    customer_id: str | None
    payment_method_id: str | None
    client_secret: str | None = field(default=None, repr=False)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    payment_method_id: str
    brand: str | None
    last4: str | None


def _plain(data: Any) -> dict:
    """A Stripe object as a plain dict (a StripeObject is not a dict)."""
    return data if isinstance(data, dict) else data.to_dict()


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _id(value: Any) -> str | None:
    """An expandable field: an id, or the object itself."""
    if value is None or isinstance(value, str):
        return value
    return value.get("id")


def _setup_state(seti: Any) -> SetupState:
    data = _plain(seti)
    return SetupState(
        id=data["id"],
        status=data["status"],
        customer_id=_id(data.get("customer")),
        payment_method_id=_id(data.get("payment_method")),
        client_secret=data.get("client_secret"),
        metadata=dict(data.get("metadata") or {}),
    )


class _Translate:
    """Turn the SDK's exceptions into ours."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or not isinstance(error, stripe.StripeError):
            return False
        request_id = getattr(error, "request_id", None)
        if isinstance(error, stripe.CardError):
            intent_data = ((error.json_body or {}).get("error") or {}).get("payment_intent")
            intent = Intent.from_stripe(intent_data) if intent_data else None
            log.info("Stripe declined a card: code=%s request=%s", error.code, request_id)
            raise CardDeclined(error.user_message or "", error.code, intent) from None
        if isinstance(error, stripe.APIConnectionError | stripe.APIError):
            log.warning("Stripe did not answer: %s request=%s", type(error).__name__, request_id)
            raise GatewayUnavailable(type(error).__name__) from None
        if isinstance(error, stripe.InvalidRequestError) and (
            error.code == "resource_missing" or error.http_status == 404
        ):
            # Stripe says resource_missing; localstripe answers a bare 404 with no code.
            raise NotFound(error.user_message or "", "resource_missing") from None
        log.error("Stripe refused a request: %s code=%s request=%s", type(error).__name__, error.code, request_id)
        raise GatewayError(error.user_message or "", error.code) from None


class StripeGateway:
    """Card payments through a `stripe.StripeClient`."""

    def __init__(self, client: "stripe.StripeClient"):
        self.client = client

    @classmethod
    def from_config(cls, config: dict) -> "StripeGateway":
        client = stripe.StripeClient(
            config["STRIPE_SECRET_KEY"],
            base_addresses={"api": config["STRIPE_API_BASE"].rstrip("/")},
            # No automatic retries: a retried create that Stripe (or localstripe) does not
            # deduplicate could charge twice. Our own flow retries safely.
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=30),
        )
        return cls(client)

    # Customers and cards

    def create_customer(self, metadata: dict[str, str]) -> str:
        with _Translate():
            return self.client.v1.customers.create(params={"metadata": metadata}).id

    def create_setup_intent(
        self, customer_id: str, metadata: dict[str, str], *, usage: str = "on_session"
    ) -> SetupState:
        """`usage="off_session"` saves a card we may charge later without the debtor (plan instalments)."""
        with _Translate():
            seti = self.client.v1.setup_intents.create(
                params={
                    "customer": customer_id,
                    "payment_method_types": ["card"],
                    "usage": usage,
                    "metadata": metadata,
                }
            )
        return _setup_state(seti)

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupState:
        with _Translate():
            return _setup_state(self.client.v1.setup_intents.retrieve(setup_intent_id))

    def attach_card(self, payment_method_id: str, customer_id: str, *, unowned_only: bool = False) -> Card:
        """Make sure the card belongs to the customer (localstripe's SetupIntent does not attach it).

        Raises CustomerNotFound when Stripe no longer knows the customer: localstripe even makes a
        SetupIntent for a customer it does not know, so this is where a lost customer shows.
        `unowned_only` is for a card the browser sent us by its id (Stripe.js's createPaymentMethod):
        it must be a card that is nobody's yet, or already this customer's (NotYourCard otherwise).
        """
        with _Translate():
            method = _plain(self.client.v1.payment_methods.retrieve(payment_method_id))
        owner = _id(method.get("customer"))
        if unowned_only and (method.get("type") != "card" or owner not in (None, customer_id)):
            raise NotYourCard("this payment method can't be used for this customer", "payment_method_not_usable")
        if owner != customer_id:
            try:
                with _Translate():
                    method = _plain(
                        self.client.v1.payment_methods.attach(payment_method_id, params={"customer": customer_id})
                    )
            except NotFound as missing:
                raise CustomerNotFound(str(missing), missing.code) from None
        card = method.get("card") or {}
        return Card(payment_method_id=method["id"], brand=card.get("brand"), last4=card.get("last4"))

    # Payments

    def create_payment_intent(
        self,
        *,
        amount: int,
        currency: str,
        customer_id: str,
        payment_method_id: str,
        metadata: dict[str, str],
        idempotency_key: str,
        off_session: bool = False,
        save_for_later: bool = False,
    ) -> Intent:
        """Create and confirm in one call. Raises CardDeclined, GatewayError, or GatewayUnavailable.

        `off_session=True` charges a saved card while the debtor is away (a plan instalment).
        `save_for_later=True` (`setup_future_usage="off_session"`) also sets the card up to be charged while they
        are away, with the same bank check as the payment: a plan's first payment, made with its new card.
        """
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "customer": customer_id,
            "payment_method": payment_method_id,
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": metadata,
        }
        if off_session:
            params["off_session"] = True
        if save_for_later:
            params["setup_future_usage"] = "off_session"
        with _Translate():
            intent = self.client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        return Intent.from_stripe(intent)

    def retrieve_payment_intent(self, payment_intent_id: str) -> Intent:
        with _Translate():
            return Intent.from_stripe(self.client.v1.payment_intents.retrieve(payment_intent_id))

    def cancel_payment_intent(self, payment_intent_id: str) -> Intent:
        with _Translate():
            return Intent.from_stripe(self.client.v1.payment_intents.cancel(payment_intent_id))

    def find_payment_intent(self, customer_id: str, key: str, value: str) -> Intent | None:
        """The customer's PaymentIntent whose metadata[key] is value: for a create whose answer we lost.

        Stripe filters by customer; localstripe refuses the filter, so we then list them all.
        """
        with _Translate():
            try:
                page = self.client.v1.payment_intents.list(params={"customer": customer_id, "limit": 100})
            except stripe.InvalidRequestError:
                page = self.client.v1.payment_intents.list(params={"limit": 100})
            for intent in page.auto_paging_iter():
                data = _plain(intent)
                if (data.get("metadata") or {}).get(key) == value and _id(data.get("customer")) == customer_id:
                    return Intent.from_stripe(data)
        return None

    # Webhooks

    @staticmethod
    def verify_event(payload: bytes, header: str | None, secret: str | None) -> dict:
        """The JSON object in a webhook body, if its Stripe-Signature is good and recent.

        The SDK refuses a signature older than the tolerance, not one dated later than now: a
        signature made for the future could be replayed until then, so we refuse that too.
        """
        if not secret:
            raise InvalidSignature("no webhook secret is configured")
        try:
            stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=WEBHOOK_TOLERANCE)
        except (stripe.SignatureVerificationError, ValueError, IndexError) as error:
            raise InvalidSignature(str(error).split(".")[0]) from None
        if _signed_at(header) > time.time() + WEBHOOK_TOLERANCE:
            raise InvalidSignature("the signature is dated in the future")
        try:
            event = json.loads(payload)
        except ValueError:
            raise InvalidSignature("the body is not JSON") from None
        if not isinstance(event, dict):
            raise InvalidSignature("the body is not an event")
        return event


def _signed_at(header: str) -> int:
    """The t= of a Stripe-Signature header the SDK has already verified (read as the SDK reads it)."""
    return int(next(value for key, _, value in (item.partition("=") for item in header.split(",")) if key == "t"))


def csp_origins(js_url: str, api_base: str) -> list[str]:
    """The hosts the card page must let in: where Stripe.js comes from and the API it calls.

    Stripe's own Stripe.js also frames hooks.stripe.com for 3-D Secure; localstripe serves all from one origin.
    """
    origins = [_origin(js_url), _origin(api_base)]
    if _origin(js_url) == "https://js.stripe.com":
        origins.append("https://hooks.stripe.com")
    return list(dict.fromkeys(origins))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def get_gateway() -> StripeGateway:
    """The app's gateway: made once from the settings; tests may put their own in app.extensions."""
    from flask import current_app

    gateway = current_app.extensions.get("payment_gateway")
    if gateway is None:
        if not current_app.config.get("STRIPE_SECRET_KEY"):
            raise GatewayError("STRIPE_SECRET_KEY is not set", "not_configured")
        gateway = current_app.extensions["payment_gateway"] = StripeGateway.from_config(current_app.config)
    return gateway
