"""A debtor's page in the console: who they are, what they owe, and what an agent can do for them.

Every route loads the debtor through debtor_for_staff (another creditor's debtor is not found) and
everything else through the debtor. Actions that change money or contact ask first on a page of their own.
"""

from datetime import timedelta
from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal import clock
from portal.accounts import documents, pdf
from portal.accounts.forms import PeriodForm, period_args
from portal.accounts.views import pdf_file
from portal.extensions import db
from portal.help.forms import options
from portal.help.service import circumstances, messages
from portal.models import Account, Hold
from portal.models.audit import record
from portal.models.trusted_helper import EndedBy
from portal.ownership import get_owned
from portal.rights import attachments
from portal.rights.service import holds
from portal.sms.service import text_back
from portal.staff import debtor_file, new_link
from portal.staff.access import Permission, debtor_for_staff, staff_required
from portal.staff.debtor_forms import ALL_ACCOUNTS, EndHelperForm, HoldForm, StaffMessageForm, StaffReplyForm
from portal.staff.sessions import current_staff
from portal.staff.views import bp
from portal.trusted import service as trusted


@bp.get("/debtors/<int:debtor_id>")
@staff_required(Permission.FIND)
def debtor(debtor_id: int):
    staff = current_staff()
    found = debtor_for_staff(staff, debtor_id)
    record("staff.opened_debtor", actor_type="staff", debtor_id=found.id)
    file = debtor_file.gather(
        staff, found, ledger_account=request.args.get("account", type=int), before=request.args.get("before")
    )
    return render_template(
        "staff/debtor.html",
        debtor=found,
        file=file,
        now=clock.now(),
        circumstance_kinds=circumstances.KIND_LABELS,
        circumstance_helps=circumstances.HELP_LABELS,
        helpers=trusted.every_helper_of(found),
    )


def _statement_period(debtor_id: int, account_id: int):
    """The debtor (theirs only), one of the debtor's accounts, the form and the period asked for (None: refused)."""
    found = debtor_for_staff(current_staff(), debtor_id)
    account = get_owned(Account, found, "account", id=account_id)
    form = PeriodForm(request.args)
    period = form.period(today=clock.today_for(found), default_first=documents.first_day(account))
    if period is not None:
        first, last = period
        record(
            "staff.opened_statement",
            actor_type="staff",
            debtor_id=found.id,
            account=account.reference,
            first=first.isoformat(),
            last=last.isoformat(),
        )
    return found, account, form, period


@bp.get("/debtors/<int:debtor_id>/accounts/<int:account_id>/statement")
@staff_required(Permission.FIND)
def debtor_statement(debtor_id: int, account_id: int):
    """The debtor's statement for any dates, as they see it (read-only); each one opened is audited."""
    found, account, form, period = _statement_period(debtor_id, account_id)
    return render_template(
        "staff/debtor_statement.html",
        debtor=found,
        account=account,
        form=form,
        statement=documents.statement_of(account, *period) if period else None,
        today=clock.today_for(found),
    )


@bp.get("/debtors/<int:debtor_id>/accounts/<int:account_id>/statement.pdf")
@staff_required(Permission.FIND)
def debtor_statement_pdf(debtor_id: int, account_id: int):
    found, account, _, period = _statement_period(debtor_id, account_id)
    if period is None:
        return redirect(
            url_for(".debtor_statement", debtor_id=found.id, account_id=account.id, **period_args(request.args))
        )
    first, last = period
    return pdf_file(
        pdf.statement_pdf(documents.statement_of(account, first, last), found.creditor, found),
        f"statement-{account.reference}-{first.isoformat()}-to-{last.isoformat()}.pdf",
    )


@bp.route("/debtors/<int:debtor_id>/messages/<int:thread_id>", methods=["GET", "POST"])
@staff_required(Permission.REPLY_TO_MESSAGES)
def debtor_thread(debtor_id: int, thread_id: int):
    staff = current_staff()
    found = debtor_for_staff(staff, debtor_id)
    thread = messages.get_thread_for(found, thread_id)
    form = StaffReplyForm()
    if form.validate_on_submit():
        answer = messages.reply_as_staff(
            thread, form.body.data, staff_id=staff.id, staff_name=staff.first_name, now=clock.now()
        )
        if text_back(thread, answer):
            flash(_("Your reply is in their messages, and goes to them by text: they wrote by text."))
        else:
            flash(_("Your reply is in their messages. They see it the next time they sign in."))
        return redirect(url_for("staff.debtor_thread", debtor_id=found.id, thread_id=thread.id, _anchor="latest"))
    return render_template(
        "staff/debtor_thread.html",
        debtor=found,
        thread=thread,
        messages=messages.messages_in(thread),
        form=form,
    )


@bp.route("/debtors/<int:debtor_id>/messages/new", methods=["GET", "POST"])
@staff_required(Permission.REPLY_TO_MESSAGES)
def debtor_new_message(debtor_id: int):
    staff = current_staff()
    found = debtor_for_staff(staff, debtor_id)
    form = StaffMessageForm()
    if form.validate_on_submit():
        thread = messages.start_thread_as_staff(
            found, form.subject.data, form.body.data, staff_id=staff.id, staff_name=staff.first_name, now=clock.now()
        )
        flash(_("Your message is in their messages. They see it the next time they sign in."))
        return redirect(url_for("staff.debtor_thread", debtor_id=found.id, thread_id=thread.id, _anchor="latest"))
    return render_template("staff/debtor_new_message.html", debtor=found, form=form)


@bp.route("/debtors/<int:debtor_id>/new-link", methods=["GET", "POST"])
@staff_required(Permission.SEND_LINK)
def debtor_new_link(debtor_id: int):
    staff = current_staff()
    found = debtor_for_staff(staff, debtor_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            new_link.send_new_link(found, staff)
        except new_link.NoChannel:
            pass  # the page below says why nothing can be sent
        else:
            flash(_("A new link is on its way to %(email)s by email. The link is never shown here.", email=found.email))
            return redirect(url_for("staff.debtor", debtor_id=found.id, _anchor="links"))
    return render_template("staff/debtor_new_link.html", debtor=found, channel=new_link.channel_for(found))


@bp.route("/debtors/<int:debtor_id>/holds/new", methods=["GET", "POST"])
@staff_required(Permission.HOLDS)
def debtor_start_hold(debtor_id: int):
    staff = current_staff()
    found = debtor_for_staff(staff, debtor_id)
    accounts = list(db.session.scalars(select(Account).where(Account.debtor_id == found.id).order_by(Account.id)))
    form = HoldForm()
    form.account.choices = options(
        {ALL_ACCOUNTS: _("All their accounts")}
        | {str(account.id): f"{account.reference} – {account.description}" for account in accounts}
    )
    if form.validate_on_submit():
        account = next((account for account in accounts if str(account.id) == form.account.data), None)
        if form.confirmed.data == "yes":
            hold = holds.start_hold(
                found,
                kind=form.kind.data,
                account=account,
                starts_on=clock.today_for(found),
                days=form.days.data,
                note=(form.note.data or "").strip() or None,
                by=staff.name,
            )
            flash(_("The hold has started. Their account pages now say that nothing will be taken."))
            return redirect(url_for("staff.debtor", debtor_id=found.id, _anchor=f"hold-{hold.id}"))
        starts_on = clock.today_for(found)
        days = form.days.data or holds.DEFAULT_DAYS[form.kind.data]
        return render_template(
            "staff/debtor_hold_check.html",
            debtor=found,
            form=form,
            account=account,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days) if days else None,
        )
    return render_template("staff/debtor_hold.html", debtor=found, form=form)


@bp.route("/debtors/<int:debtor_id>/holds/<int:hold_id>/end", methods=["GET", "POST"])
@staff_required(Permission.HOLDS)
def debtor_end_hold(debtor_id: int, hold_id: int):
    staff = current_staff()
    found = debtor_for_staff(staff, debtor_id)
    hold = get_owned(Hold, found, "hold", id=hold_id)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            holds.end_hold(hold, on=clock.today_for(found), by=staff.name)
        except holds.HoldError:
            flash(_("This hold could not be ended: it has ended already, or has not started yet."))
        else:
            flash(
                ngettext(
                    "The hold has ended. Plan payments moved on by %(num)d day.",
                    "The hold has ended. Plan payments moved on by %(num)d days.",
                    hold.plan_days_shifted or 0,
                )
            )
        return redirect(url_for("staff.debtor", debtor_id=found.id, _anchor=f"hold-{hold.id}"))
    account = db.session.get(Account, hold.account_id) if hold.account_id else None
    return render_template(
        "staff/debtor_end_hold.html",
        debtor=found,
        hold=hold,
        account=account,
        today=clock.today_for(found),
    )


@bp.route("/debtors/<int:debtor_id>/helpers/<int:helper_id>/end", methods=["GET", "POST"])
@staff_required(Permission.ACT_ON_BEHALF)
def debtor_end_helper(debtor_id: int, helper_id: int):
    """End the access of someone the debtor trusted to help (a safeguarding worry, a helper who asks), with a
    reason kept in the audit trail."""
    staff = current_staff()
    found = debtor_for_staff(staff, debtor_id)
    helper = trusted.helper_of(found, helper_id)
    form = EndHelperForm()
    if form.validate_on_submit():
        if trusted.end(helper, by=EndedBy.STAFF, now=clock.now(), staff_id=staff.id, reason=form.reason.data.strip()):
            flash(_("%(name)s can no longer see the account.", name=helper.name))
        else:
            flash(_("Their access had ended already."))
        return redirect(url_for("staff.debtor", debtor_id=found.id, _anchor="helpers"))
    return render_template("staff/debtor_end_helper.html", debtor=found, helper=helper, form=form), (
        400 if form.errors else 200
    )


@bp.get("/disputes/<reference>/attachment")
@staff_required(Permission.READ_ATTACHMENTS)
def dispute_attachment(reference: str):
    staff = current_staff()
    dispute = debtor_file.dispute_for_staff(staff, reference)
    if not dispute.attachment_key:
        abort(404)
    path = attachments.path_for(dispute.attachment_key, current_app.config["UPLOAD_FOLDER"])
    if not path.is_file():
        abort(404)
    debtor_file.attachment_opened(staff, dispute)
    response = send_file(
        BytesIO(path.read_bytes()),  # small (the upload limit), and no file left open if the client goes away
        mimetype=dispute.attachment_content_type,
        as_attachment=True,
        download_name=dispute.attachment_filename or dispute.attachment_key,
        conditional=False,
        etag=False,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
