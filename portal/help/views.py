"""Help pages: tell us about your circumstances, how we contact you, messages, who has viewed your account."""

from datetime import UTC, date, datetime

from babel.dates import format_date, format_time
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, get_timezone, refresh
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal import clock
from portal.extensions import csrf, limiter
from portal.help import details_messages  # noqa: F401  (registers the contact-detail messages)
from portal.help.call_back_messages import day_in_words, slot_in_words, time_range
from portal.help.forms import (
    AddressForm,
    CallBackForm,
    CancelCallBackForm,
    CircumstancesForm,
    CodeForm,
    EmailForm,
    NewMessageForm,
    PhoneForm,
    PreferencesForm,
    ReplyForm,
)
from portal.help.quick_exit import quick_exit_url
from portal.help.service import call_backs, circumstances, details, messages, preferences, viewed
from portal.help.service.contact import reminders_paused_until, settings_for
from portal.i18n import formatting_locale
from portal.models.audit import record
from portal.sessions import end_session
from portal.templating import long_date

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.app_template_filter("local_date")
def local_date(value: datetime) -> str:
    """ "23 December 2026": the day in the debtor's time zone, without the time."""
    return long_date(value.astimezone(get_timezone()).date())


@bp.app_template_filter("date_and_time")
def date_and_time(value: datetime) -> str:
    """ "23 November 2026 at 10:15" in the debtor's time zone and language (messages, visits)."""
    local = value.astimezone(get_timezone())
    locale = formatting_locale(current_user.creditor.locale if current_user.is_authenticated else None)
    return _(
        "%(date)s at %(time)s",
        date=format_date(local, "long", locale=locale),
        time=format_time(local, "short", locale=locale),
    )


@bp.app_template_global("call_back_when")
def call_back_when(call_back, debtor) -> str:
    """ "Tuesday, 1 December 2026, between 10:00 and 12:00": the slot where the debtor lives, in the page's language."""
    return slot_in_words(
        call_back.slot_start, call_back.slot_end, debtor.effective_timezone, formatting_locale(debtor.creditor.locale)
    )


@bp.app_template_filter("long_weekday")
def long_weekday(day: date) -> str:
    """ "Tuesday, 1 December 2026"."""
    return day_in_words(day, formatting_locale(current_user.creditor.locale if current_user.is_authenticated else None))


@bp.app_template_global("call_back_reason")
def call_back_reason(reason: str) -> str:
    return str(call_backs.REASON_LABELS.get(reason, reason))


# Tell us about your circumstances


@bp.route("/circumstances", methods=["GET", "POST"])
@login_required
def circumstances_form():
    form = CircumstancesForm()
    if form.validate_on_submit():
        circumstance = circumstances.disclose(
            current_user,
            kinds=form.kinds.data,
            helps=form.helps.data,
            details=form.details.data,
            consented=form.consent.data,
        )
        return redirect(url_for(".circumstance", reference=circumstance.reference), code=303)
    return render_template(
        "help/circumstances.html",
        form=form,
        earlier=circumstances.circumstances_of(current_user),
        creditor=current_user.creditor,
    ), (400 if form.errors else 200)


@bp.get("/circumstances/<reference>")
@login_required
def circumstance(reference: str):
    return render_template(
        "help/circumstance.html",
        circumstance=circumstances.get_circumstance_for(current_user, reference),
        now=datetime.now(UTC),
        support=circumstances.SUPPORT_LINES.get(current_user.creditor.jurisdiction, circumstances.SUPPORT_LINES["UK"]),
        kind_labels=circumstances.KIND_LABELS,
        help_labels=circumstances.HELP_LABELS,
        creditor=current_user.creditor,
    )


@bp.post("/circumstances/<reference>/withdraw-consent")
@login_required
def withdraw_consent(reference: str):
    """The debtor no longer wants us to keep their words: they are deleted, the rest stays."""
    try:
        circumstances.withdraw_consent(circumstances.get_circumstance_for(current_user, reference))
    except circumstances.NoConsentToWithdraw:
        return redirect(url_for(".circumstance", reference=reference), code=303)
    flash(_("We have deleted what you wrote in your own words."))
    return redirect(url_for(".circumstance", reference=reference), code=303)


# How we contact you


@bp.route("/contact", methods=["GET", "POST"])
@login_required
def contact():
    if request.method == "POST":
        form = PreferencesForm()
    else:
        settings = settings_for(current_user)
        form = PreferencesForm(
            data={
                "channels": sorted(settings.channels),
                "windows": sorted(settings.windows),
                "language": current_user.locale or str(get_locale()),
                "discreet": settings.discreet,
                "not_at_work": not settings.contact_at_work,
                "email_is_work": settings.email_is_work,
            }
        )
    if form.validate_on_submit():
        preferences.save_preferences(
            current_user,
            channels=form.channels.data,
            windows=form.windows.data,
            language=form.language.data,
            discreet=form.discreet.data,
            contact_at_work=not form.not_at_work.data,
            email_is_work=form.email_is_work.data,
        )
        session["locale"] = form.language.data
        refresh()  # say "saved" in the language just chosen
        flash(_("Your choices are saved. We will contact you this way from now on."))
        return redirect(url_for(".contact"), code=303)
    return render_template(
        "help/preferences.html",
        form=form,
        paused_until=reminders_paused_until(current_user, datetime.now(UTC)),
        creditor=current_user.creditor,
    ), (400 if form.errors else 200)


# Your contact details


@bp.get("/details")
@login_required
def contact_details():
    return render_template(
        "help/details.html",
        pending={kind: details.pending(current_user, kind) for kind in ("email", "phone")},
        settings=settings_for(current_user),
        creditor=current_user.creditor,
    )


#: the page that takes the code for each detail proved with one
_CODED = {"email": "help.details_email_code", "phone": "help.details_mobile_code"}


def _new_detail(kind: str, form):
    """Ask for a new email address or mobile number, then send a code to it."""
    if form.validate_on_submit():
        if details.is_current(current_user, kind, form.normal):
            field = form.email if kind == "email" else form.phone
            field.errors = [
                _("This is already your email address") if kind == "email" else _("This is already your mobile number")
            ]
        else:
            try:
                details.start_change(current_user, kind, form.normal, now=clock.now())
            except details.TooManyCodes:
                field = form.email if kind == "email" else form.phone
                field.errors = [_("You have asked for too many codes. Wait an hour, then try again.")]
            else:
                return redirect(url_for(_CODED[kind]), code=303)
    return render_template("help/details_new.html", form=form, kind=kind, creditor=current_user.creditor), (
        400 if form.errors else 200
    )


@bp.route("/details/email", methods=["GET", "POST"])
@login_required
def details_email():
    return _new_detail("email", EmailForm())


@bp.route("/details/mobile", methods=["GET", "POST"])
@login_required
def details_mobile():
    return _new_detail("phone", PhoneForm(jurisdiction=current_user.creditor.jurisdiction))


def _code(kind: str):
    """Enter the code sent to the new address or number; the right one makes it theirs."""
    change = details.pending(current_user, kind)
    if change is None and request.method == "GET":
        return redirect(url_for(".contact_details"), code=303)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            details.confirm(current_user, kind, form.code.data, now=clock.now())
        except details.CodeRefused as refused:
            form.refused(refused)
        else:
            flash(
                _("Your email address is changed. We will use it from now on.")
                if kind == "email"
                else _("Your mobile number is changed. We will use it from now on.")
            )
            return redirect(url_for(".contact_details"), code=303)
    return render_template(
        "help/details_code.html",
        form=form,
        kind=kind,
        sent_to=change.new_value if change else None,
        minutes=details.CODE_MINUTES,
        creditor=current_user.creditor,
    ), (400 if form.errors else 200)


@bp.route("/details/email/code", methods=["GET", "POST"])
@login_required
def details_email_code():
    return _code("email")


@bp.route("/details/mobile/code", methods=["GET", "POST"])
@login_required
def details_mobile_code():
    return _code("phone")


@bp.route("/details/address", methods=["GET", "POST"])
@login_required
def details_address():
    form = AddressForm(data={"address": current_user.address} if request.method == "GET" else None)
    if form.validate_on_submit():
        details.save_address(current_user, form.address.data)
        flash(_("Your postal address is saved. We will send letters there from now on."))
        return redirect(url_for(".contact_details"), code=303)
    return render_template("help/details_address.html", form=form, creditor=current_user.creditor), (
        400 if form.errors else 200
    )


# Messages


@bp.get("/messages")
@login_required
def message_list():
    return render_template(
        "help/messages.html", threads=messages.threads_for(current_user), creditor=current_user.creditor
    )


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
def new_message():
    form = NewMessageForm()
    if form.validate_on_submit():
        thread = messages.start_thread(current_user, form.subject.data, form.body.data)
        flash(_("Your message has been sent. We will reply here."))
        return redirect(url_for(".thread", thread_id=thread.id), code=303)
    return render_template("help/new_message.html", form=form, creditor=current_user.creditor), (
        400 if form.errors else 200
    )


@bp.route("/messages/<int:thread_id>", methods=["GET", "POST"])
@login_required
def thread(thread_id: int):
    conversation = messages.get_thread_for(current_user, thread_id)
    form = ReplyForm()
    if form.validate_on_submit():
        messages.send_as_debtor(conversation, form.body.data)
        flash(_("Your message has been sent. We will reply here."))
        return redirect(url_for(".thread", thread_id=conversation.id, _anchor="latest"), code=303)
    return render_template(
        "help/thread.html",
        thread=conversation,
        messages=messages.messages_in(conversation),
        form=form,
        creditor=current_user.creditor,
    ), (400 if form.errors else 200)


# Ask for a call back


def _call_back_limit() -> str:
    return current_app.config["CALL_BACK_POSTS_PER_HOUR"]


def _per_debtor() -> str:
    return f"call-back:{current_user.get_id()}"


#: one count for booking and cancelling, per debtor
_call_back_posts = limiter.shared_limit(_call_back_limit, scope="call-back", key_func=_per_debtor, methods=["POST"])


@bp.get("/call-back")
@login_required
def call_back():
    """The booked call back with a way to cancel it; or the days we can call (a GET form: choosing a day
    changes nothing); or, without a number to call, where to add one."""
    now = clock.now()
    booked = call_backs.open_call_back(current_user)
    return render_template(
        "help/call_back.html",
        booked=booked,
        days=[] if booked or not current_user.phone else call_backs.days_for(current_user, now),
        earlier=[item for item in call_backs.call_backs_of(current_user) if item is not booked],
        reasons=call_backs.REASON_LABELS,
        cancel_form=CancelCallBackForm(),
        now=now,
        creditor=current_user.creditor,
        day_error=_("Choose the day that suits you") if request.args.get("missing_day") else None,
    ), 400 if request.args.get("missing_day") else 200


def _day_asked() -> date | None:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return None


@bp.route("/call-back/time", methods=["GET", "POST"])
@login_required
@_call_back_posts
def call_back_time():
    """The times we can call on the day chosen, what it is about, and the number we will call."""
    day = _day_asked()
    if day is None and request.args.get("asked") and request.method == "GET":
        return redirect(url_for(".call_back", missing_day=1), code=303)
    if day is None or not current_user.phone or call_backs.open_call_back(current_user):
        return redirect(url_for(".call_back"), code=303)
    now = clock.now()
    slots = call_backs.slots_for(current_user, day, now)
    if not slots and request.method == "GET":
        flash(_("We can no longer call you on that day. Choose another day."))
        return redirect(url_for(".call_back"), code=303)
    form = CallBackForm()
    locale = formatting_locale(current_user.creditor.locale)
    timezone = current_user.effective_timezone
    form.offer([SelectChoice(slot.key, time_range(slot.start, slot.end, timezone, locale)) for slot in slots])
    if form.validate_on_submit():
        try:
            call_backs.book(
                current_user,
                day=day,
                slot_key=form.slot.data,
                reason=form.reason.data,
                note=form.note.data,
                now=now,
            )
        except call_backs.AlreadyBooked:
            flash(_("You already have a call back booked."))
            return redirect(url_for(".call_back"), code=303)
        except call_backs.SlotNotOffered:
            form.slot.errors = [_("That time is no longer free. Choose another time.")]
        except call_backs.NoPhone:
            return redirect(url_for(".call_back"), code=303)
        else:
            flash(_("Your call back is booked. We have sent you a confirmation."))
            return redirect(url_for(".call_back"), code=303)
    return render_template(
        "help/call_back_time.html",
        form=form,
        day=day,
        day_words=day_in_words(day, locale),
        creditor=current_user.creditor,
    ), (400 if form.errors_for_summary else 200)


@bp.post("/call-back/cancel")
@login_required
@_call_back_posts
def cancel_call_back():
    if CancelCallBackForm().validate_on_submit():
        try:
            call_backs.cancel(current_user, now=clock.now())
        except call_backs.NotOpen:
            pass
        else:
            flash(_("Your call back is cancelled. We will not call you."))
    return redirect(url_for(".call_back"), code=303)


# Who has viewed your account


@bp.get("/viewed")
@login_required
def viewed_list():
    return render_template("help/viewed.html", visits=viewed.visits_for(current_user), creditor=current_user.creditor)


# Quick exit


@bp.post("/exit")
@csrf.exempt
def quick_exit():
    """Exit this page: end the session on the server, then send the browser to the neutral site, so Back
    shows nothing of the account. The form works without JavaScript; quick-exit.js posts it and then
    replaces the history entry.

    The CSRF token is checked here, not by CSRFProtect: without a valid one (another site, or a page left
    open past the idle timeout) nobody is signed out, but the person still leaves at once."""
    neutral_site = quick_exit_url()
    if _has_valid_csrf_token():
        if current_user.is_authenticated:
            record("session.quick_exit", actor_type="debtor", actor_id=current_user.id, debtor_id=current_user.id)
        end_session()
    return redirect(neutral_site, code=303)


def _has_valid_csrf_token() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True
