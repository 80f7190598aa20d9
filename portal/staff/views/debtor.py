"""A debtor's page in the console: who they are, what they owe, and what an agent can do for them."""

from flask import render_template
from sqlalchemy import select

from portal.accounts.ledger import balances
from portal.extensions import db
from portal.models import Account
from portal.staff.access import debtor_for_staff, staff_required
from portal.staff.sessions import current_staff
from portal.staff.views import bp


@bp.get("/debtors/<int:debtor_id>")
@staff_required()
def debtor(debtor_id: int):
    found = debtor_for_staff(current_staff(), debtor_id)
    accounts = list(
        db.session.scalars(select(Account).where(Account.debtor_id == found.id).order_by(Account.reference))
    )
    return render_template("staff/debtor.html", debtor=found, accounts=accounts, balances=balances(accounts))
