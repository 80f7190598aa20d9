"""Open a link, continue, prove who you are; ask for a new link when one fails."""

from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal import outbox
from portal.extensions import limiter
from portal.links import resend, service
from portal.links.forms import ContinueForm, DateOfBirthForm, NewLinkForm, PostcodeForm, UnknownLinkForm, ZipCodeForm
from portal.links.service import IdentityRefused, LinkProblem
from portal.models import MagicLink
from portal.sessions import end_session, start_session

bp = Blueprint("links", __name__)

_PROBLEM_STATUS = {
    LinkProblem.INVALID: 404,
    LinkProblem.EXPIRED: 410,
    LinkProblem.REVOKED: 410,
    LinkProblem.LOCKED: 403,
    LinkProblem.LIMITED: 429,
}


def _problem_page(problem: LinkProblem, link: MagicLink | None):
    """Say what went wrong and offer a new link; name the creditor and its phone number where we know them.

    A link that is only rate limited still works, so it stays open for a try later.
    """
    if problem is not LinkProblem.LIMITED:
        session.pop("pending_link", None)
    session["problem_link"] = link.public_id if link else None
    session["problem"] = problem.value
    form = UnknownLinkForm() if link is None else NewLinkForm()
    creditor = link.debtor.creditor if link else None
    return render_template("links/problem.html", problem=problem.value, form=form, creditor=creditor), _PROBLEM_STATUS[
        problem
    ]


def _identity_form(creditor):
    if creditor.identity_method == "date_of_birth":
        return DateOfBirthForm()
    return ZipCodeForm() if creditor.jurisdiction == "US" else PostcodeForm()


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.dashboard"))
    return render_template("links/home.html", form=UnknownLinkForm())


@bp.get("/l/<token>")
def open_link(token: str):
    return _open(service.find_link(token))


@bp.get("/s/<code>")
@limiter.limit(lambda: current_app.config["SHORT_LINK_OPENS_PER_IP"])
def open_short_link(code: str):
    """The short address in a text message: the same link, with the same protections, behind a random code."""
    return _open(service.find_by_short_code(code))


def _open(link):
    problem = service.link_problem(link)
    if problem:
        return _problem_page(problem, link)
    service.record_open(link)
    session["pending_link"] = link.public_id
    return redirect(url_for(".start"))


@bp.route("/start", methods=["GET", "POST"])
def start():
    link = service.find_by_public_id(session.get("pending_link"))
    problem = service.link_problem(link)
    if problem:
        return _problem_page(problem, link)
    form = ContinueForm()
    if form.validate_on_submit():
        return redirect(url_for(".verify"))
    return render_template("links/start.html", creditor=link.debtor.creditor, form=form)


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    link = service.find_by_public_id(session.get("pending_link"))
    problem = service.link_problem(link)
    if problem:
        return _problem_page(problem, link)
    creditor = link.debtor.creditor
    form = _identity_form(creditor)
    if form.validate_on_submit():
        answer = (
            {"date_of_birth": form.date_of_birth.data}
            if isinstance(form, DateOfBirthForm)
            else {"postcode": form.postcode.data}
        )
        try:
            checked = service.check_identity(link, ip=get_remote_address(), **answer)
        except IdentityRefused as refused:
            return _problem_page(refused.problem, link)
        if checked.matched:
            service.record_sign_in(link)
            start_session(link.debtor)
            return redirect(service.landing_page(link))
        tries_left = checked.tries_left
        if tries_left == 0:
            return _problem_page(LinkProblem.LOCKED, link)
        mismatch = ngettext(
            "The details you entered do not match our records. Check them and try again. "
            "You can try %(num)d more time.",
            "The details you entered do not match our records. Check them and try again. "
            "You can try %(num)d more times.",
            tries_left,
        )
        if isinstance(form, DateOfBirthForm):
            form.date_of_birth.errors = [mismatch]
        else:
            form.postcode.errors = [mismatch]
    return render_template("links/verify.html", creditor=creditor, form=form)


@bp.post("/new-link")
@limiter.limit(lambda: current_app.config["NEW_LINK_REQUESTS_PER_IP"])
def request_new_link():
    session.pop("new_link_sent", None)
    link = service.find_by_public_id(session.get("problem_link"))
    if link is not None:
        problem = service.link_problem(link) or LinkProblem(session.get("problem", LinkProblem.EXPIRED))
        form = NewLinkForm()
        if form.validate_on_submit():
            sent = resend.new_link_for_link(link, problem)
            if sent is not None:
                session["new_link_sent"] = {"channel": sent.channel, "to": sent.to, "now": sent.now}
            return redirect(url_for(".new_link_sent"))
        return _problem_page(problem, link)
    form = UnknownLinkForm()
    if form.validate_on_submit():
        # the same answer, in the same time, whether or not the address typed is one of ours (see links.resend)
        outbox.deliver_after_response(resend.new_link_for_typed(form.contact.data.strip()))
        return redirect(url_for(".new_link_sent"))
    return render_template("links/problem.html", problem=LinkProblem.INVALID.value, form=form, creditor=None), 400


@bp.get("/new-link/sent")
def new_link_sent():
    link = service.find_by_public_id(session.get("problem_link"))
    creditor = link.debtor.creditor if link else None
    return render_template(
        "links/new_link_sent.html", creditor=creditor, known=link is not None, sent=session.get("new_link_sent")
    )


@bp.post("/sign-out")
def sign_out():
    form = ContinueForm()
    if form.validate_on_submit():
        end_session()
    return redirect(url_for(".signed_out"))


@bp.get("/signed-out")
def signed_out():
    return render_template("links/signed_out.html")
