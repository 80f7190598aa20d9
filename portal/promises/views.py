"""The debtor's promise to pay: the page that makes one, the confirmation, and what the account pages show."""

from babel.numbers import get_currency_symbol
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock, gate
from portal.accounts.ledger import balance_of
from portal.accounts.service import get_account_for
from portal.domain_errors import NotFoundForOwner
from portal.i18n import formatting_locale
from portal.models import Promise
from portal.ownership import get_owned
from portal.promises import service
from portal.promises.forms import PromiseForm
from portal.promises.service import PromiseRefused, Unavailable

bp = Blueprint("promises", __name__)


def _locale() -> str:
    return formatting_locale(current_user.creditor.locale)


@bp.route("/accounts/<int:account_id>/promise", methods=["GET", "POST"])
@login_required
def make(account_id: int):
    account = get_account_for(current_user, account_id)
    balance = balance_of(account)
    standing = gate.standing(account, clock.today_for(current_user))
    why = service.unavailable(current_user, account, balance, standing)
    limits = service.limits_for(current_user, max(balance, 0))
    form = PromiseForm()
    status = 200
    if why is None and form.validate_on_submit():
        if form.check(limits, currency=account.currency, locale=_locale()):
            try:
                promise = service.make_promise(current_user, account, form.amount_minor, form.due_on)
            except PromiseRefused as refused:
                why = refused.why
            else:
                return redirect(url_for(".made", account_id=account.id, reference=promise.reference), code=303)
        status = 400
    elif request.method == "POST":
        status = 400 if why is None else 409
    return render_template(
        "promises/make.html",
        account=account,
        balance=balance,
        limits=limits,
        why=why,
        open_promises=service.open_promises(account) if why == Unavailable.OPEN_LIMIT else [],
        symbol=get_currency_symbol(account.currency, locale=_locale()),
        form=form,
        creditor=current_user.creditor,
    ), status


@bp.get("/accounts/<int:account_id>/promises/<reference>")
@login_required
def made(account_id: int, reference: str):
    promise = get_owned(Promise, current_user, "promise", reference=reference)
    if promise.account_id != account_id:
        raise NotFoundForOwner(f"No promise {reference!r} on account {account_id}.")
    return render_template(
        "promises/made.html", promise=promise, account=promise.account, creditor=current_user.creditor
    )


@bp.app_template_global()
def promise_of(account) -> Promise | None:
    """The promise to show on an account's card and page: the open one, or the outcome of a recent one."""
    if not current_user.is_authenticated:
        return None
    return service.current_for([account]).get(account.id)


@bp.app_template_global()
def promise_unavailable(account, balance: int, standing) -> str | None:
    """Why the account offers no "promise to pay" link now (None: it does)."""
    why = service.unavailable(current_user, account, balance, standing)
    return str(why) if why else None
