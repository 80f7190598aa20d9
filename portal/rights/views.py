"""Your rights (UK and US packs), US validation information, disputes, statute-barred claims and the timeline.

Views stay thin: they load what is the debtor's own (404 otherwise), call portal.rights.service
and render. Attachments are never served here: only staff tools read them.
"""

from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from portal import clock, transaction
from portal.accounts.ledger import balance_of
from portal.accounts.service import accounts_for, get_account_for, itemization_of
from portal.gate import Standing, Stop
from portal.models import Account
from portal.models.dispute import OPEN_DISPUTE_STATUSES
from portal.rights import attachments
from portal.rights.forms import REASONS, DisputeForm, RequestForm, StatuteBarredForm, megabytes
from portal.rights.packs import UnknownJurisdiction, load_pack
from portal.rights.service import disputes
from portal.rights.service.timeline import facts_for
from portal.rights.timeline import steps
from portal.rights.validation import validation_information

bp = Blueprint("rights", __name__)


def _pack():
    try:
        return load_pack(current_user.creditor.jurisdiction)
    except UnknownJurisdiction:
        abort(404)


def _us_account(account_id: int) -> Account:
    account = get_account_for(current_user, account_id)
    if current_user.creditor.jurisdiction != "US":
        abort(404)
    return account


def _uk_account(account_id: int) -> Account:
    account = get_account_for(current_user, account_id)
    if current_user.creditor.jurisdiction != "UK":
        abort(404)
    return account


def _max_bytes() -> int:
    return current_app.config["DISPUTE_ATTACHMENT_MAX_BYTES"]


@bp.get("/rights")
@login_required
def index():
    return render_template(
        "rights/index.html",
        pack=_pack(),
        accounts=[account for account, _balance in accounts_for(current_user)],
        creditor=current_user.creditor,
    )


def _validation_page(account: Account, form: DisputeForm, status: int = 200):
    today = clock.today_for(current_user)
    info = validation_information(account, current_user.creditor, itemization_of(account), today)
    return render_template(
        "rights/validation.html",
        account=account,
        info=info,
        pack=_pack(),
        form=form,
        request_form=RequestForm(formdata=None),
        dispute=disputes.in_progress(account, "dispute"),
        creditor_request=disputes.in_progress(account, "original_creditor"),
        reasons=REASONS,
        max_size=megabytes(_max_bytes()),
        creditor=current_user.creditor,
    ), status


def _dispute_page(account: Account, form: DisputeForm, status: int = 200):
    return render_template(
        "rights/dispute.html",
        account=account,
        form=form,
        dispute=disputes.in_progress(account, "dispute"),
        reasons=REASONS,
        max_size=megabytes(_max_bytes()),
        creditor=current_user.creditor,
    ), status


def _send_dispute(account: Account, form: DisputeForm):
    """Open the dispute from a checked form; the redirect to its page, or None if the form needs changes."""
    if not form.validate_on_submit() or not form.check(_max_bytes()):
        return None
    existing = disputes.in_progress(account, "dispute")
    if existing is not None:
        return redirect(url_for(".dispute_status", reference=existing.reference), code=303)
    upload_folder = current_app.config["UPLOAD_FOLDER"]
    key = attachments.store(form.checked_file, upload_folder) if form.checked_file else None
    dispute = disputes.open_dispute(
        current_user,
        account,
        reason=form.reason.data,
        details=form.details.data,
        attachment=form.checked_file,
        attachment_key=key,
        today=clock.today_for(current_user),
    )
    if key:
        transaction.on_rollback(partial(attachments.path_for(key, upload_folder).unlink, missing_ok=True))
    flash(_("We have your dispute. We have stopped asking for payment on this account while we check it."))
    return redirect(url_for(".dispute_status", reference=dispute.reference), code=303)


@bp.route("/accounts/<int:account_id>/validation", methods=["GET", "POST"])
@login_required
def validation(account_id: int):
    account = _us_account(account_id)
    form = DisputeForm()
    if request.method == "POST":
        sent = _send_dispute(account, form)
        if sent is not None:
            return sent
        return _validation_page(account, form, 400)
    return _validation_page(account, form)


@bp.route("/accounts/<int:account_id>/dispute", methods=["GET", "POST"])
@login_required
def dispute(account_id: int):
    account = get_account_for(current_user, account_id)
    form = DisputeForm()
    if request.method == "POST":
        sent = _send_dispute(account, form)
        if sent is not None:
            return sent
        return _dispute_page(account, form, 400)
    return _dispute_page(account, form)


@bp.post("/accounts/<int:account_id>/original-creditor")
@login_required
def original_creditor(account_id: int):
    account = _us_account(account_id)
    if not RequestForm().validate_on_submit():
        abort(400)
    sent = disputes.request_original_creditor(current_user, account, today=clock.today_for(current_user))
    flash(_("We have your request. We will send you the original creditor's name and address."))
    return redirect(url_for(".dispute_status", reference=sent.reference), code=303)


@bp.route("/accounts/<int:account_id>/statute-barred", methods=["GET", "POST"])
@login_required
def statute_barred(account_id: int):
    """UK: the debtor tells us a debt is statute-barred (or, if it is, that they will not pay it)."""
    account = _uk_account(account_id)
    claim = disputes.in_progress(account, "statute_barred")
    if claim is not None:
        return redirect(url_for(".dispute_status", reference=claim.reference), code=303)
    if account.status == "closed":
        return redirect(url_for("accounts.account", account_id=account.id), code=303)
    form = StatuteBarredForm()
    if form.validate_on_submit() and form.check():
        claim = disputes.claim_statute_barred(current_user, account, details=form.details.data)
        flash(_("We have your message. We have stopped asking for payment on this account while we look at it."))
        return redirect(url_for(".dispute_status", reference=claim.reference), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "rights/statute_barred.html", account=account, form=form, creditor=current_user.creditor
    ), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file far over the limit never reaches the form: say so on the form, kept otherwise empty."""
    account_id = (request.view_args or {}).get("account_id")
    if not current_user.is_authenticated or account_id is None:
        return render_template("errors/error.html", code=413), 413
    account = get_account_for(current_user, account_id)
    form = DisputeForm(formdata=None)
    form.attachment.errors = [_("The file must be smaller than %(size)s MB", size=megabytes(_max_bytes()))]
    if request.endpoint == "rights.validation" and current_user.creditor.jurisdiction == "US":
        return _validation_page(account, form, 413)
    return _dispute_page(account, form, 413)


@bp.get("/disputes/<reference>")
@login_required
def dispute_status(reference: str):
    found = disputes.get_dispute_for(current_user, reference)
    return render_template(
        "rights/dispute_status.html",
        dispute=found,
        account=found.account,
        reasons=REASONS,
        creditor=current_user.creditor,
    )


@bp.get("/accounts/<int:account_id>/what-happens-next")
@login_required
def what_happens_next(account_id: int):
    account = get_account_for(current_user, account_id)
    balance = balance_of(account)
    facts = facts_for(account, balance, clock.today_for(current_user))
    return render_template(
        "rights/timeline.html",
        account=account,
        balance=balance,
        steps=steps(facts),
        hold=facts.hold,
        creditor=current_user.creditor,
    )


def account_rights(account: Account, standing: Standing) -> dict:
    """For the account page: the hold covering it today (the gate's, `standing`), its disputes (newest first) and
    the kinds in progress."""
    found = disputes.for_account(account)
    return {
        "hold": standing.hold,
        "disputes": found,
        "in_progress": {dispute.kind for dispute in found if dispute.status in OPEN_DISPUTE_STATUSES},
        "us": current_user.creditor.jurisdiction == "US",
        "uk": current_user.creditor.jurisdiction == "UK",
    }


def dashboard_rights(accounts: list[Account], standings: dict[int, Standing]) -> dict:
    """For the dashboard: each account's most telling dispute, in one query (holds are the gate's to say). A card
    shows only a dispute in progress, and the gate has found those already: most debtors have none, and then
    nothing is read."""
    disputed = [account.id for account in accounts if Stop.DISPUTE in standings[account.id].stops]
    return {"disputes": disputes.latest_by_account(disputed)}
