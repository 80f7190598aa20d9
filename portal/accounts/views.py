"""What the debtor owes: the dashboard and each account; and the documents they keep (payments, statements,
the "paid in full" letter)."""

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock
from portal.accounts import documents, ledger, pdf, service
from portal.accounts.forms import PeriodForm, period_args
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


# Documents


@bp.get("/payments")
@login_required
def payments():
    return render_template(
        "accounts/payments.html",
        page=documents.payments_of(current_user, before=request.args.get("before")),
        older_than=request.args.get("before"),
        creditor=current_user.creditor,
    )


def _period(account) -> tuple[PeriodForm, tuple | None]:
    form = PeriodForm(request.args)
    return form, form.period(today=clock.today_for(current_user), default_first=documents.first_day(account))


@bp.get("/<int:account_id>/statement")
@login_required
def statement(account_id: int):
    account = service.get_account_for(current_user, account_id)
    form, period = _period(account)
    return render_template(
        "accounts/statement.html",
        account=account,
        form=form,
        statement=documents.statement_of(account, *period) if period else None,
        today=clock.today_for(current_user),
        creditor=current_user.creditor,
    )


@bp.get("/<int:account_id>/statement.pdf")
@login_required
def statement_pdf(account_id: int):
    account = service.get_account_for(current_user, account_id)
    _, period = _period(account)
    if period is None:
        # the page says what is wrong with the dates, beside the boxes
        return redirect(url_for(".statement", account_id=account.id, **period_args(request.args)))
    first, last = period
    return pdf_file(
        pdf.statement_pdf(documents.statement_of(account, first, last), current_user.creditor, current_user),
        f"statement-{account.reference}-{first.isoformat()}-to-{last.isoformat()}.pdf",
    )


@bp.get("/<int:account_id>/paid-in-full")
@login_required
def paid_in_full(account_id: int):
    account = service.get_account_for(current_user, account_id)
    paid = documents.paid_in_full(account)
    creditor = current_user.creditor
    return render_template(
        "accounts/paid_in_full.html",
        account=account,
        paid=paid,
        words=pdf.paid_in_full_words(paid, creditor, current_user) if paid.paid else [],
        today=clock.today_for(current_user),
        creditor=creditor,
    )


@bp.get("/<int:account_id>/paid-in-full.pdf")
@login_required
def paid_in_full_pdf(account_id: int):
    account = service.get_account_for(current_user, account_id)
    paid = documents.paid_in_full(account)
    if not paid.paid:
        # no letter to give: the page says why, and what is still owed
        return redirect(url_for(".paid_in_full", account_id=account.id))
    return pdf_file(
        pdf.paid_in_full_pdf(paid, current_user.creditor, current_user, clock.today_for(current_user)),
        f"paid-in-full-{account.reference}.pdf",
    )


def pdf_file(content: bytes, filename: str) -> Response:
    """A PDF to save, never kept by a browser's or a proxy's cache (it is about someone's debt)."""
    safe = "".join(c if c.isalnum() or c in "-._" else "-" for c in filename)
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"},
    )
