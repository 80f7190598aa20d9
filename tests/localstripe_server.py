"""localstripe, with the two things of Stripe's the portal relies on that localstripe 1.15.10 lacks.

The tests (tests/stripe_server.py) and `make demo` run this instead of the `localstripe` command:

    python -m tests.localstripe_server --port 8420 --from-scratch

It imports localstripe and patches it in this process only (nothing of localstripe's is copied here):

1. Stripe.js's `createPaymentMethod({type: "card", card: cardElement})`. localstripe's is an empty
   `async () => {}`, so pay.js saved the card with a SetupIntent first and a card the bank checks was
   checked twice, once to save it and once to pay. Ours makes the payment method from localstripe's card
   element, as Stripe's does: `POST /v1/payment_methods` with the publishable key, which localstripe
   accepts only with the secret key, so that one request is let through with the publishable key here.
2. `setup_future_usage` on PaymentIntent create, which localstripe refuses (400 "Unexpected"). With it a
   plan's first payment saves its card for later payments with the same one bank check: when the payment
   succeeds (at once, or after 3-D Secure) the payment method is attached to the PaymentIntent's customer,
   as Stripe does. Only create takes it: the portal creates and confirms in one call.

Not changed: localstripe asks 3-D Secure for 4000002500003155 even on a payment made while the debtor is
away with a card saved for that (Stripe does not); the tests use that card to stand for a bank that asks.

`check_localstripe()` runs first and stops the server with the reason when localstripe's internals are no
longer what these patches were written against (a new version may need other patches, or none).
"""

import importlib.metadata
import inspect
import sys
from pathlib import Path

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import PaymentIntent, PaymentMethod, try_convert_to_bool

#: the version these patches were written against and checked with
WRITTEN_FOR = "1.15.10"
STRIPE_JS_PATH = "/js.stripe.com/v3/"
LOCALSTRIPE_JS = Path(server.__file__).with_name("localstripe-v3.js")
#: what `check_localstripe` expects of localstripe's own Stripe.js before adding to it
EMPTY_CREATE_PAYMENT_METHOD = "createPaymentMethod: async () => {},"

#: Appended to localstripe's Stripe.js: every Stripe object gets a createPaymentMethod that works.
CREATE_PAYMENT_METHOD_JS = """
// Added by tests/localstripe_server.py: Stripe.js's createPaymentMethod, for localstripe's card element.
(function () {
  const makeLocalStripe = Stripe;
  Stripe = (apiKey) => {
    const stripe = makeLocalStripe(apiKey);
    stripe.createPaymentMethod = async ({type, card, billing_details}) => {
      const entered = card && card.value;
      if (type !== 'card' || !entered) {
        return {error: {type: 'validation_error', code: 'incomplete_number',
                        message: 'Your card number is incomplete.'}};
      }
      const details = billing_details || {};
      details.address = details.address || {};
      details.address.postal_code = details.address.postal_code || entered.postal_code;
      try {
        const response = await fetch(`${LOCALSTRIPE_BASE_API}/v1/payment_methods`, {
          method: 'POST',
          body: JSON.stringify({key: apiKey, type: 'card', card: entered.card, billing_details: details}),
        });
        const body = await response.json().catch(() => ({}));
        if (response.status !== 200 || body.error) {
          return {error: body.error || {message: 'The card could not be read.'}};
        }
        return {paymentMethod: body};
      } catch (err) {
        return {error: {type: 'api_connection_error', message: String(err)}};
      }
    };
    return stripe;
  };
})();
"""


class LocalstripeChanged(RuntimeError):
    """localstripe is not what the patches expect: fix or drop the patch named."""


def check_localstripe() -> None:
    """Stop now, saying why, if a patch would no longer do what it says."""
    problems = []
    version = importlib.metadata.version("localstripe")
    if version != WRITTEN_FOR:
        problems.append(f"localstripe is {version}, the patches were written for {WRITTEN_FOR}: check each still fits")
    if EMPTY_CREATE_PAYMENT_METHOD not in LOCALSTRIPE_JS.read_text():
        problems.append("localstripe's Stripe.js no longer has an empty createPaymentMethod (patch 1)")
    if "setup_future_usage" in inspect.signature(PaymentIntent.__init__).parameters:
        problems.append("localstripe's PaymentIntent now takes setup_future_usage itself (patch 2)")
    for name in ("_api_create", "_confirm", "_report_failure", "_on_success"):
        if not hasattr(PaymentIntent, name):
            problems.append(f"localstripe's PaymentIntent has no {name} (patch 2)")
    if not hasattr(server, "api_create") or server.app.frozen:
        problems.append("localstripe's server has no api_create, or its app can no longer take a middleware")
    if problems:
        raise LocalstripeChanged("; ".join(problems))


@web.middleware
async def stripe_js_patches(request: web.Request, handler):
    """Patch 1: our createPaymentMethod after localstripe's Stripe.js, and the publishable key accepted for it."""
    if request.method == "GET" and request.path == STRIPE_JS_PATH:
        response = await handler(request)
        return web.Response(text=response.text + CREATE_PAYMENT_METHOD_JS, content_type="application/javascript")
    if request.method == "POST" and request.path == "/v1/payment_methods" and server.get_api_key(request) is None:
        data = await server.get_post_data(request, remove_auth=False)
        key = data.get("key") if isinstance(data, dict) else None
        if isinstance(key, str) and key.startswith("pk_"):
            response = await server.api_create(PaymentMethod, request.path)(request)
            server.store.dump_to_disk()
            return response
    return await handler(request)


_create_payment_intent = PaymentIntent._api_create.__func__
_payment_intent_succeeded = PaymentIntent._on_success


def _create_payment_intent_saving_the_card(cls, setup_future_usage=None, confirm=None, off_session=None, **data):
    """Patch 2: PaymentIntent create with `setup_future_usage` (confirmed only once the flag is on the intent)."""
    if setup_future_usage is None:
        return _create_payment_intent(cls, confirm=confirm, off_session=off_session, **data)
    if setup_future_usage not in ("off_session", "on_session") or not data.get("customer"):
        raise UserError(400, "Bad request")
    if off_session is not None:
        # The portal sets a card up only while the debtor is there; refused rather than half modelled.
        raise UserError(400, "Bad request")
    intent = _create_payment_intent(cls, **data)
    intent.setup_future_usage = setup_future_usage
    if try_convert_to_bool(confirm):
        intent._confirm(on_failure_now=intent._report_failure)
    return intent


def _succeeded_saving_the_card(intent: PaymentIntent) -> None:
    """Patch 2: on success, the card of a PaymentIntent made with setup_future_usage is the customer's."""
    if getattr(intent, "setup_future_usage", None) and intent.customer and intent.payment_method:
        PaymentMethod._api_retrieve(intent.payment_method).customer = intent.customer
    _payment_intent_succeeded(intent)


def patch() -> None:
    check_localstripe()
    server.app.middlewares.insert(1, stripe_js_patches)  # after localstripe's error middleware, before its auth
    PaymentIntent._api_create = classmethod(_create_payment_intent_saving_the_card)
    PaymentIntent._on_success = _succeeded_saving_the_card


def main() -> None:
    try:
        patch()
    except LocalstripeChanged as changed:
        sys.exit(f"tests/localstripe_server.py: {changed}")
    server.start()


if __name__ == "__main__":
    main()
