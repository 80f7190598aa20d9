"""Where "Exit this page" goes: a neutral site, one that is ordinary where the debtor lives.

The creditor's own choice (policy["quick_exit_url"], sent through the API) comes first, then the site set
for its jurisdiction (QUICK_EXIT_URL_US for US creditors), then QUICK_EXIT_URL. Before sign-in the creditor
is the one of the link being opened, when there is one; with no link, QUICK_EXIT_URL.
"""

from typing import Any

from flask import current_app, g, session
from flask_login import current_user

from portal.links.service import find_by_public_id
from portal.models import Creditor

#: the creditor's policy key for its own neutral site
POLICY_KEY = "quick_exit_url"


def neutral_site(creditor: Creditor | None, config: Any) -> str:
    """The neutral site for this creditor's debtors (a UK weather site would stand out on a US phone)."""
    if creditor is None:
        return config["QUICK_EXIT_URL"]
    by_jurisdiction = {"US": config["QUICK_EXIT_URL_US"]}
    return (creditor.policy or {}).get(POLICY_KEY) or by_jurisdiction.get(
        creditor.jurisdiction, config["QUICK_EXIT_URL"]
    )


def quick_exit_url() -> str:
    """This request's neutral site, worked out once: the page's button, its CSP and the redirect agree."""
    if "quick_exit_url" not in g:
        g.quick_exit_url = neutral_site(_creditor_of_request(), current_app.config)
    return g.quick_exit_url


def _creditor_of_request() -> Creditor | None:
    if current_user.is_authenticated:
        return current_user.creditor
    link = find_by_public_id(session.get("pending_link") or session.get("problem_link"))
    return link.debtor.creditor if link else None
