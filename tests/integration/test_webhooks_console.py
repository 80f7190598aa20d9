"""The console's webhook pages: an admin sets where a creditor's events go (confirmed, audited, the secret shown
once), reads the delivery log; other roles are refused and another creditor's pages are not found."""

import socket
import threading
import time

import pytest
from sqlalchemy import select

from portal import events
from portal.extensions import db
from portal.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from portal.webhooks import addresses, settings
from tests.dns_support import pretend_dns
from tests.factories import make_creditor, make_debtor
from tests.staff_support import StaffBrowser, make_staff

URL = "https://hooks.example/portal"


@pytest.fixture
def creditor(app):
    creditor = make_creditor(name="Northwind", slug="northwind")
    db.session.commit()
    return creditor


@pytest.fixture
def admin(app, creditor) -> StaffBrowser:
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(creditor, role="admin"))
    return staff


def _endpoint() -> WebhookEndpoint | None:
    db.session.expire_all()
    return db.session.scalar(select(WebhookEndpoint))


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _set(admin: StaffBrowser, url: str = URL, *, confirmed: bool = True):
    return admin.post(
        "/staff/admin/creditors/northwind/webhook", {"url": url} | ({"confirmed": "yes"} if confirmed else {})
    )


def test_the_creditor_settings_page_links_to_webhooks(admin):
    page = admin.get("/staff/admin/creditors/northwind").get_data(as_text=True)
    assert 'href="/staff/admin/creditors/northwind/webhook"' in page


def test_an_address_is_confirmed_then_saved_with_a_secret_shown_once(admin):
    asked = _set(admin, confirmed=False)
    assert asked.status_code == 200 and "Send Northwind&#39;s events to this address?" in asked.get_data(as_text=True)
    assert _endpoint() is None

    shown = _set(admin)
    endpoint = _endpoint()
    assert endpoint.url == URL and endpoint.secret.startswith("whsec_")
    assert endpoint.secret in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    assert endpoint.secret not in admin.get("/staff/admin/creditors/northwind/webhook").get_data(as_text=True)
    [audit] = _audits("webhook.created")
    assert audit.detail["url"] == URL and endpoint.secret not in str(audit.detail)


def test_changing_the_address_keeps_the_secret_and_is_audited(admin):
    _set(admin)
    secret = _endpoint().secret
    response = _set(admin, "https://new.example/hooks")
    assert response.status_code == 302
    assert (_endpoint().url, _endpoint().secret) == ("https://new.example/hooks", secret)
    [audit] = _audits("webhook.url_changed")
    assert (audit.detail["before"], audit.detail["after"]) == (URL, "https://new.example/hooks")


def test_a_plain_http_address_elsewhere_than_this_machine_is_refused(admin):
    response = _set(admin, "http://hooks.example/portal")
    assert response.status_code == 400
    assert "The address must start with https://" in response.get_data(as_text=True)
    assert _endpoint() is None


def test_plain_http_to_this_machine_is_allowed_only_outside_production(app):
    assert settings.check_url("http://127.0.0.1:8000/hooks") == "http://127.0.0.1:8000/hooks"
    app.config["PORTAL_ENV"] = "production"
    with pytest.raises(settings.WebhookRefused):
        settings.check_url("http://127.0.0.1:8000/hooks")
    assert settings.check_url(URL) == URL


@pytest.fixture
def internet_only(app, monkeypatch) -> dict[str, list[str]]:
    """Production's rule (WEBHOOK_ALLOW_PRIVATE off) with pretend DNS: a test sets what each name answers."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    answers: dict[str, list[str]] = {}
    pretend_dns(monkeypatch, answers)
    return answers


PRIVATE = "This address is on a private network. Enter an address our servers can reach on the internet."


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hooks",
        "https://[::ffff:10.0.0.5]/hooks",
        "https://224.0.0.1/hooks",
        "http://127.0.0.1:8000/hooks",
    ],
)
def test_an_address_on_a_private_network_is_refused(admin, internet_only, url):
    response = _set(admin, url)
    assert response.status_code == 400 and PRIVATE in response.get_data(as_text=True)
    assert _endpoint() is None


def test_a_name_that_resolves_to_a_private_address_is_refused(admin, internet_only):
    internet_only["hooks.example"] = ["93.184.215.14", "10.0.0.5"]
    response = _set(admin)
    assert response.status_code == 400 and PRIVATE in response.get_data(as_text=True)
    assert _endpoint() is None


def test_a_name_that_resolves_to_public_addresses_is_saved(admin, internet_only):
    internet_only["hooks.example"] = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert _set(admin).status_code == 200
    assert _endpoint().url == URL


def test_a_name_that_does_not_resolve_is_refused(admin, internet_only):
    internet_only["hooks.example"] = []
    response = _set(admin)
    assert response.status_code == 400
    assert "We could not find this address. Check it and try again." in response.get_data(as_text=True)
    assert _endpoint() is None


def test_a_name_whose_look_up_takes_too_long_is_refused_without_waiting_for_it(admin, internet_only, monkeypatch):
    internet_only["hooks.example"] = ["93.184.216.34"]  # the answer, once it comes
    slow = threading.Event()
    real = socket.getaddrinfo

    def slow_dns(host, *args, **kwargs):
        if host == "hooks.example":
            slow.wait(5)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_dns)
    monkeypatch.setattr(addresses, "LOOKUP_SECONDS", 0.2)
    started = time.monotonic()
    response = _set(admin)
    slow.set()
    assert time.monotonic() - started < 3
    assert "We could not find this address. Check it and try again." in response.get_data(as_text=True)
    assert _endpoint() is None


def test_a_new_secret_replaces_the_old_one_once_confirmed(admin):
    _set(admin)
    old = _endpoint().secret
    asked = admin.post("/staff/admin/creditors/northwind/webhook/secret", {})
    assert "Make a new secret for Northwind?" in asked.get_data(as_text=True) and _endpoint().secret == old

    shown = admin.post("/staff/admin/creditors/northwind/webhook/secret", {"confirmed": "yes"})
    new = _endpoint().secret
    assert new != old and new in shown.get_data(as_text=True)
    assert len(_audits("webhook.secret_rotated")) == 1


def test_stopping_webhooks_removes_the_address(admin):
    _set(admin)
    response = admin.post("/staff/admin/creditors/northwind/webhook/remove", {"confirmed": "yes"})
    assert response.status_code == 302 and _endpoint() is None
    assert len(_audits("webhook.removed")) == 1


def test_the_delivery_log_shows_each_delivery_and_filters_by_state(admin, creditor):
    _set(admin)
    debtor = make_debtor(creditor)
    events.emit("link.opened", debtor=debtor, link="a")
    failed = events.emit("payment.failed", debtor=debtor, payment="P-2")
    db.session.flush()
    row = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.event_id == failed.id))
    row.state, row.attempts, row.last_error = "failed", 29, "HTTP 503"
    db.session.commit()

    page = admin.get("/staff/admin/creditors/northwind/webhook/deliveries").get_data(as_text=True)
    assert "link.opened" in page and "payment.failed" in page
    only_failed = admin.get("/staff/admin/creditors/northwind/webhook/deliveries?state=failed").get_data(as_text=True)
    assert "payment.failed" in only_failed and "link.opened" not in only_failed


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_open_the_webhook_pages(app, creditor, role):
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(creditor, role=role))
    for path in ("/staff/admin/creditors/northwind/webhook", "/staff/admin/creditors/northwind/webhook/deliveries"):
        assert staff.get(path).status_code == 403
    assert staff.post("/staff/admin/creditors/northwind/webhook", {"url": URL, "confirmed": "yes"}).status_code == 403
    assert _endpoint() is None


def test_another_creditors_webhook_pages_are_not_found(admin):
    make_creditor(slug="other-bank")
    db.session.commit()
    assert admin.get("/staff/admin/creditors/other-bank/webhook").status_code == 404
    assert admin.get("/staff/admin/creditors/other-bank/webhook/deliveries").status_code == 404
    assert _set_other(admin).status_code == 404
    assert _endpoint() is None


def _set_other(admin: StaffBrowser):
    return admin.post("/staff/admin/creditors/other-bank/webhook", {"url": URL, "confirmed": "yes"})
