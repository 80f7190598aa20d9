"""Which endpoints are a debtor's pages, and the groups of them that someone acting for a debtor (staff viewing as
them, portal.staff.view_as; someone they trust to help, portal.trusted.access) is refused or allowed by name."""

#: endpoints that machines call (a payment provider, a text provider), never a person's page
MACHINES = frozenset({"static", "payments.stripe_webhook", "sms.inbound"})

#: entering card details, and the pages that only lead to it
CARD_ENTRY = frozenset(
    {
        "payments.card",
        "payments.setup",
        "payments.confirm",
        "payments.retry",
        "plans.card",
        "plans.card_setup",
        "plans.card_confirm",
        "plans.card_retry",
        "plans.confirm_payment",
        "plans.confirm_payment_json",
    }
)

#: signing out and "Exit this page": for someone acting for the debtor, these end their own visit, never the debtor's
#: sessions
SIGNING_OUT = frozenset({"links.sign_out", "help.quick_exit"})

#: the debtor's own sign-in with their link
SIGN_IN = frozenset({"links.open_link", "links.start", "links.verify"})

#: changing how we contact the debtor, and where
CONTACT_DETAILS = frozenset(
    {
        "help.contact",
        "help.details_email",
        "help.details_email_code",
        "help.details_mobile",
        "help.details_mobile_code",
        "help.details_address",
    }
)


def is_debtor_endpoint(endpoint: str) -> bool:
    """A debtor's page or form: not the console, the creditor API, health checks or what machines call."""
    return not endpoint.startswith(("staff.", "api.", "health.")) and endpoint not in MACHINES
