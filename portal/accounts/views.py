"""What the debtor owes: the dashboard and each account."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from portal.accounts import ledger, service
from portal.accounts.wording import describe
from portal.help.service.call_backs import open_call_back

bp = Blueprint("accounts", __name__, url_prefix="/accounts")
#: a ledger line in the page's language, for the debtor's and the console's history tables
bp.add_app_template_global(describe, "describe_entry")


@bp.get("/")
@login_required
def dashboard():
    accounts, settled = service.dashboard_accounts_for(current_user)
    standings = service.standings_for(current_user, [account for account, _ in accounts])
    return render_template(
        "accounts/dashboard.html",
        accounts=accounts,
        settled=settled,
        standings=standings,
        owed=service.owed(accounts, standings),
        call_back=open_call_back(current_user),
        creditor=current_user.creditor,
    )


@bp.get("/<int:account_id>")
@login_required
def account(account_id: int):
    account = service.get_account_for(current_user, account_id)
    itemization = service.itemization_of(account)
    return render_template(
        "accounts/account.html",
        account=account,
        settled_on=ledger.settled_on(account) if itemization.balance <= 0 else None,
        history=ledger.history(account, before=request.args.get("before")),
        older_than=request.args.get("before"),
        itemization=itemization,
        standing=service.standings_for(current_user, [account])[account.id],
        creditor=current_user.creditor,
    )
