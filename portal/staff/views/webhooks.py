"""Admin pages for a creditor's webhooks: where its events go (address and secret) and the delivery log.

Changes ask for confirmation first, like every admin change (portal.staff.views.admin). A secret is shown once,
on the answer to the request that made it, and never again: the page says to copy it then.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import clock
from portal.models.webhook_delivery import DELIVERY_STATES
from portal.staff.access import Permission, creditor_for_staff, staff_required
from portal.staff.sessions import current_staff
from portal.staff.views import bp
from portal.staff.views.admin import _confirm, _confirmed
from portal.webhooks import delivery, settings
from portal.webhooks.forms import WebhookForm


def _page(creditor, form: WebhookForm, status: int = 200):
    return render_template(
        "staff/webhooks/settings.html", creditor=creditor, form=form, endpoint=settings.endpoint_of(creditor)
    ), status


def _secret_page(creditor, secret: str):
    """The secret, on this one response only."""
    response = render_template("staff/webhooks/secret.html", creditor=creditor, secret=secret)
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/admin/creditors/<slug>/webhook", methods=["GET", "POST"])
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_webhook(slug: str):
    admin = current_staff()
    creditor = creditor_for_staff(admin, slug)
    endpoint = settings.endpoint_of(creditor)
    form = WebhookForm(data={"url": endpoint.url} if endpoint else None)
    if request.method == "GET" or not form.validate_on_submit():
        return _page(creditor, form, 200 if request.method == "GET" else 400)
    try:
        url = settings.check_url(form.url.data)
    except settings.WebhookRefused as refused:
        form.url.errors = [str(refused.message)]
        return _page(creditor, form, 400)
    back = url_for("staff.admin_webhook", slug=creditor.slug)
    if endpoint is not None and endpoint.url == url:
        flash(_("Nothing changed."))
        return redirect(back)
    if not _confirmed():
        return _confirm(
            _("Send %(name)s's events to this address?", name=creditor.name),
            _("Every event from now on is sent to %(url)s, signed with the creditor's secret.", url=url),
            _("Yes, send events there"),
            back,
        )
    saved = settings.save_url(creditor, url, staff=admin, now=clock.now())
    if saved.secret:
        return _secret_page(creditor, saved.secret)
    flash(_("Events now go to %(url)s.", url=url))
    return redirect(back)


@bp.post("/admin/creditors/<slug>/webhook/secret")
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_webhook_secret(slug: str):
    admin = current_staff()
    creditor = creditor_for_staff(admin, slug)
    back = url_for("staff.admin_webhook", slug=creditor.slug)
    if not _confirmed():
        return _confirm(
            _("Make a new secret for %(name)s?", name=creditor.name),
            _(
                "The old secret stops at once: events are signed with the new one from the next attempt, so the "
                "creditor's receiver must be given it straight away."
            ),
            _("Yes, make a new secret"),
            back,
        )
    try:
        secret = settings.rotate_secret(creditor, staff=admin, now=clock.now())
    except settings.WebhookRefused as refused:
        flash(str(refused.message))
        return redirect(back)
    return _secret_page(creditor, secret)


@bp.post("/admin/creditors/<slug>/webhook/remove")
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_webhook_remove(slug: str):
    admin = current_staff()
    creditor = creditor_for_staff(admin, slug)
    back = url_for("staff.admin_webhook", slug=creditor.slug)
    if not _confirmed():
        return _confirm(
            _("Stop sending %(name)s's events?", name=creditor.name),
            _("No more events are sent, and those still waiting are not sent. The creditor can still read them."),
            _("Yes, stop webhooks"),
            back,
        )
    settings.remove(creditor, staff=admin)
    flash(_("Webhooks are stopped."))
    return redirect(back)


@bp.get("/admin/creditors/<slug>/webhook/deliveries")
@staff_required(Permission.CREDITOR_SETTINGS)
def admin_webhook_deliveries(slug: str):
    creditor = creditor_for_staff(current_staff(), slug)
    state = request.args.get("state") if request.args.get("state") in DELIVERY_STATES else None
    return render_template(
        "staff/webhooks/deliveries.html",
        creditor=creditor,
        deliveries=delivery.latest(creditor.id, state),
        state=state,
        states=DELIVERY_STATES,
    )
