"""Links, holds and the event feed through the creditor API."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock, events
from portal.extensions import db
from portal.help.service.viewed import visits_for
from portal.models import Account, AuditEvent, Debtor, Hold, MagicLink
from tests.api_support import ACCOUNT, DEBTOR, api_for
from tests.factories import make_creditor


@pytest.fixture
def creditor(app):
    creditor = make_creditor()
    db.session.commit()
    return creditor


@pytest.fixture
def api(app, creditor):
    api = api_for(app, creditor)
    api.put("/api/v1/debtors/D1", DEBTOR)
    api.put("/api/v1/debtors/D1/accounts/A1", ACCOUNT)
    return api


def test_a_link_comes_with_its_url_short_url_and_expiry(api, app):
    response = api.post("/api/v1/debtors/D1/links", {"ttl_days": 7, "campaign": "spring", "channel": "sms"})

    assert response.status_code == 201
    body = response.get_json()
    assert body["url"].startswith("http://portal.test/l/")
    assert body["short_url"].startswith("http://portal.test/s/")
    assert (body["campaign"], body["channel"]) == ("spring", "sms")
    link = db.session.scalar(select(MagicLink).where(MagicLink.public_id == body["id"]))
    assert link.expires_at - link.created_at == timedelta(days=7)
    assert app.test_client().get(body["url"].removeprefix("http://portal.test")).status_code == 302


def test_a_revoked_link_no_longer_opens(api, app):
    issued = api.post("/api/v1/debtors/D1/links").get_json()

    response = api.post(f"/api/v1/links/{issued['id']}/revoke")

    assert response.status_code == 200
    assert response.get_json()["revoked_at"] is not None
    opened = app.test_client().get(issued["url"].removeprefix("http://portal.test"))
    assert opened.status_code != 302 or opened.headers["Location"] != "/start"


def test_a_link_for_an_unknown_debtor_is_a_404(api):
    assert api.post("/api/v1/debtors/NOBODY/links").status_code == 404


def test_a_breathing_space_hold_covers_the_debtors_accounts_for_60_days(api, creditor):
    response = api.post("/api/v1/debtors/D1/holds", {"kind": "breathing_space"})

    assert response.status_code == 201
    body = response.get_json()
    hold = db.session.get(Hold, body["id"])
    assert hold.created_by == "creditor api"
    assert (hold.ends_on - hold.starts_on).days == 60
    assert body["account_reference"] is None
    assert db.session.scalar(select(Account.status)) == "on_hold"


def test_a_hold_on_one_account(api):
    response = api.post("/api/v1/debtors/D1/holds", {"kind": "creditor_pause", "days": 14, "account_reference": "A1"})

    assert response.status_code == 201
    assert response.get_json()["account_reference"] == "A1"


def test_a_creditor_pause_needs_its_length(api):
    response = api.post("/api/v1/debtors/D1/holds", {"kind": "creditor_pause"})

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["days"]


def test_ending_a_hold_reopens_the_accounts_and_ending_it_again_is_a_conflict(api):
    hold = api.post("/api/v1/debtors/D1/holds", {"kind": "mental_health_crisis"}).get_json()

    ended = api.post(f"/api/v1/holds/{hold['id']}/end")
    again = api.post(f"/api/v1/holds/{hold['id']}/end")

    assert ended.status_code == 200
    assert ended.get_json()["finished_at"] is not None
    assert db.session.scalar(select(Account.status)) == "open"
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def _emit(creditor, kind: str) -> None:
    debtor = db.session.scalar(select(Debtor).where(Debtor.creditor_id == creditor.id))
    events.emit(kind, debtor=debtor, amount=100)
    db.session.commit()


def test_events_are_read_in_order_a_page_at_a_time_from_a_cursor(api, creditor):
    for n in range(3):
        _emit(creditor, f"payment.succeeded.{n}")

    first = api.get("/api/v1/events?limit=2").get_json()
    rest = api.get(f"/api/v1/events?limit=2&after={first['next']}").get_json()
    empty = api.get(f"/api/v1/events?after={rest['next']}").get_json()

    assert [event["kind"] for event in first["events"]] == ["payment.succeeded.0", "payment.succeeded.1"]
    assert [event["kind"] for event in rest["events"]] == ["payment.succeeded.2"]
    assert first["events"][0]["debtor_reference"] == "D1"
    assert (empty["events"], empty["next"]) == ([], rest["next"])


def test_the_feed_holds_only_the_keys_creditors_events(app, api, creditor):
    other = make_creditor()
    other_api = api_for(app, other)
    other_api.put("/api/v1/debtors/D1", DEBTOR)
    _emit(other, "payment.succeeded")
    _emit(creditor, "plan.agreed")

    assert [event["kind"] for event in api.get("/api/v1/events").get_json()["events"]] == ["plan.agreed"]


def test_a_cursor_that_is_not_ours_is_a_problem_naming_after(api):
    response = api.get("/api/v1/events?after=not-a-cursor")

    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["after"]


def test_holds_started_through_the_api_appear_in_the_feed(api):
    api.post("/api/v1/debtors/D1/holds", {"kind": "breathing_space", "starts_on": clock.now().date().isoformat()})

    kinds = [event["kind"] for event in api.get("/api/v1/events").get_json()["events"]]

    assert kinds == ["hold.started"]


@pytest.mark.parametrize("first", ["-", "_"])
def test_link_ids_may_start_with_any_url_safe_character(api, first):
    issued = api.post("/api/v1/debtors/D1/links").get_json()
    link = db.session.scalar(select(MagicLink).where(MagicLink.public_id == issued["id"]))
    link.public_id = first + link.public_id[1:]
    db.session.commit()

    assert api.post(f"/api/v1/links/{link.public_id}/revoke").status_code == 200


def test_a_hold_the_creditor_starts_and_ends_is_not_a_staff_visit_the_debtor_reads_about(api, creditor):
    hold = api.post("/api/v1/debtors/D1/holds", {"kind": "breathing_space"}).get_json()
    api.post(f"/api/v1/holds/{hold['id']}/end")

    actors = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_type).where(AuditEvent.action.in_(["hold.started", "hold.ended"]))
    ).all()
    assert sorted(actors) == [("hold.ended", "creditor"), ("hold.started", "creditor")]
    debtor = db.session.scalar(select(Debtor).where(Debtor.creditor_id == creditor.id))
    assert visits_for(debtor) == []
