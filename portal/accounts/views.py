"""What the debtor owes: the dashboard and each account."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from portal.accounts import service

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("/")
@login_required
def dashboard():
    accounts = service.accounts_for(current_user)
    standings = service.standings_for(current_user, [account for account, _ in accounts])
    return render_template(
        "accounts/dashboard.html",
        accounts=accounts,
        standings=standings,
        owed=service.owed(accounts, standings),
        creditor=current_user.creditor,
    )


@bp.get("/<int:account_id>")
@login_required
def account(account_id: int):
    account = service.get_account_for(current_user, account_id)
    entries = service.ledger(account)
    itemization = service.itemize(account.itemization_date, entries)
    return render_template(
        "accounts/account.html",
        account=account,
        entries=entries,
        itemization=itemization,
        standing=service.standings_for(current_user, [account])[account.id],
        creditor=current_user.creditor,
    )
