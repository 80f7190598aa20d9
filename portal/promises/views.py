"""The debtor's promise to pay: the page that makes one, the confirmation, and what the account pages show."""

from babel.numbers import get_currency_symbol
from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock, gate
from portal.accounts.ledger import balance_of
from portal.accounts.service import get_account_for
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
    if request.method == "POST":
        status = 409 if why else 400
    read = why is None and form.validate_on_submit()
    if read and form.check(limits, currency=account.currency, locale=_locale()):
        try:
            staff_id = (g.get("view_as_detail") or {}).get("staff_id")  # viewing as them (portal.staff.view_as)
            promise = service.make_promise(
                current_user, account, form.amount_minor, form.due_on, made_by_staff_id=staff_id
            )
        except PromiseRefused as refused:
            why, status = refused.why, 409  # another tab claimed the last open place first
        else:
            return redirect(url_for(".made", reference=promise.reference), code=303)
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


@bp.get("/promises/<reference>")
@login_required
def made(reference: str):
    promise = get_owned(Promise, current_user, "promise", reference=reference)
    return render_template(
        "promises/made.html", promise=promise, account=promise.account, creditor=current_user.creditor
    )


def _board() -> service.Board:
    """The signed-in debtor's promises, worked out once a page however many accounts it shows."""
    if "promise_board" not in g:
        g.promise_board = service.board_for(current_user)
    return g.promise_board


@bp.app_template_global()
def promise_of(account) -> Promise | None:
    """The promise to show on an account's card and page: the open one, or the outcome of a recent one."""
    if not current_user.is_authenticated:
        return None
    return _board().shown.get(account.id)


@bp.app_template_global()
def promise_unavailable(account, balance: int, standing) -> str | None:
    """Why the account offers no "promise to pay" link now (None: it does)."""
    why = _board().unavailable(account, balance, standing)
    return str(why) if why else None
