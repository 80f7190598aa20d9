"""Ask for a call back: a day and a time inside the creditor's opening hours and the debtor's contact times, in
the future; one open at a time; a confirmation by their channel; cancelled by the debtor, done by staff of the
debtor's creditor only; each step audited and told to the creditor."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.help import call_backs as rule
from portal.models import AuditEvent, CallBack, ContactPreference, CreditorEvent, OutboundMessage
from portal.staff import view_as
from portal.working_days import is_working_day
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_debtor, make_link, make_uk_creditor
from tests.plan_support import emails
from tests.staff_support import StaffBrowser, make_staff

LONDON = ZoneInfo("Europe/London")


def _next_monday() -> date:
    """A Monday at least a day away that starts a fortnight with no bank holiday, so day counts are plain."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    while day.weekday() != 0 or any(
        not is_working_day(day + timedelta(days=n), "UK") for n in range(14) if (day + timedelta(days=n)).weekday() < 5
    ):
        day += timedelta(days=1)
    return day


MONDAY = _next_monday()


def at(day: date, hour: int, minute: int = 0, zone=LONDON) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.fixture
def settings(tmp_path):
    return {"MAIL_BACKEND": "file", "MAIL_DIR": str(tmp_path / "mail")}


@pytest.fixture
def monday_morning(monkeypatch):
    """Monday, 8am in London: every slot of the day is at least an hour away, and messages may go."""
    monkeypatch.setattr(clock, "now", lambda: at(MONDAY, 8))


@pytest.fixture
def creditor(app):
    return make_uk_creditor(name="Harbour Credit", slug="harbour")


@pytest.fixture
def debtor(app, creditor, browser):
    debtor = make_debtor(creditor, full_name="Sarah Jones", email="sarah@example.co.uk", phone="07700 900123")
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    return debtor


def _slots(page: str) -> list[str]:
    """The times offered, as the radios' labels say them."""
    return re.findall(
        r'<input type="radio" id="slot-[^"]+" name="slot" value="[^"]+"[^>]*>\s*<label for="[^"]+">([^<]+)', page
    )


def _slot_keys(page: str) -> list[str]:
    return re.findall(r'name="slot" value="([^"]+)"', page)


def _book(browser, day: date, slot: str | None = None, reason: str = "plan", **more):
    page = browser.get(f"/help/call-back/time?day={day.isoformat()}").get_data(as_text=True)
    slot = slot or _slot_keys(page)[0]
    return browser.post(f"/help/call-back/time?day={day.isoformat()}", {"slot": slot, "reason": reason, **more})


def _events(kind: str) -> list[CreditorEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(CreditorEvent).where(CreditorEvent.kind == kind)))


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# The rule: opening hours, contact times, the future


def test_the_days_offered_are_the_next_ten_working_days(browser, debtor, monday_morning):
    page = browser.get("/help/call-back").get_data(as_text=True)
    days = re.findall(r'name="day" value="([\d-]+)"', page)
    working = [MONDAY + timedelta(days=n) for n in range(14) if (MONDAY + timedelta(days=n)).weekday() < 5]
    assert days == [day.isoformat() for day in working]
    assert "will call you on 07700 900123" in main_text(browser.get("/help/call-back"))


def test_slots_are_inside_the_default_opening_hours_monday_to_friday_9_to_5(browser, debtor, monday_morning):
    page = browser.get(f"/help/call-back/time?day={MONDAY.isoformat()}").get_data(as_text=True)
    assert _slots(page) == ["09:00 to 11:00", "11:00 to 13:00", "13:00 to 15:00", "15:00 to 17:00"]


def test_slots_are_inside_the_parts_of_the_day_the_debtor_chose(browser, debtor, monday_morning):
    db.session.add(ContactPreference(debtor_id=debtor.id, windows=["morning"]))
    db.session.commit()
    page = browser.get(f"/help/call-back/time?day={MONDAY.isoformat()}").get_data(as_text=True)
    assert _slots(page) == ["09:00 to 11:00"]


def test_slots_are_inside_both_when_the_debtor_lives_in_another_time_zone(browser, debtor, monday_morning):
    """9am to 5pm in London is 4am to noon in New York, and we never call before 8am."""
    debtor.timezone = "America/New_York"
    db.session.commit()
    page = browser.get(f"/help/call-back/time?day={MONDAY.isoformat()}").get_data(as_text=True)
    assert _slots(page) == ["08:00 to 10:00", "10:00 to 12:00"]


def test_the_creditors_own_opening_hours_are_used(browser, debtor, creditor, monday_morning):
    creditor.policy = {"opening_hours": {"tue": ["12:00", "20:00"]}}
    db.session.commit()
    page = browser.get("/help/call-back").get_data(as_text=True)
    days = re.findall(r'name="day" value="([\d-]+)"', page)
    assert days == [(MONDAY + timedelta(days=1)).isoformat(), (MONDAY + timedelta(days=8)).isoformat()]
    tuesday = browser.get(f"/help/call-back/time?day={days[0]}").get_data(as_text=True)
    assert _slots(tuesday) == ["12:00 to 14:00", "14:00 to 16:00", "16:00 to 18:00", "18:00 to 20:00"]


def test_a_creditor_closed_every_day_offers_no_call_back(browser, debtor, creditor, monday_morning):
    creditor.policy = {"opening_hours": {}}
    db.session.commit()
    page = main_text(browser.get("/help/call-back"))
    assert "We cannot offer a time to call you in the next 2 weeks." in page
    assert "Or call Harbour Credit on" in page


def test_slots_that_have_passed_or_start_within_the_hour_are_not_offered(browser, debtor, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: at(MONDAY, 12, 30))
    page = browser.get(f"/help/call-back/time?day={MONDAY.isoformat()}").get_data(as_text=True)
    assert _slots(page) == ["14:00 to 16:00"]
    monkeypatch.setattr(clock, "now", lambda: at(MONDAY, 16, 30))
    days = re.findall(r'name="day" value="([\d-]+)"', browser.get("/help/call-back").get_data(as_text=True))
    assert days[0] == (MONDAY + timedelta(days=1)).isoformat()


def test_a_slot_that_was_not_offered_is_refused(browser, debtor, monday_morning):
    early = rule.Slot(at(MONDAY, 7), at(MONDAY, 9)).key
    response = _book(browser, MONDAY, slot=early)
    assert response.status_code == 400
    assert "That time is no longer free. Choose another time." in main_text(response)
    assert db.session.scalar(select(func.count(CallBack.id))) == 0


def test_a_slot_that_has_passed_since_the_page_was_drawn_is_refused(browser, debtor, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: at(MONDAY, 8))
    page = browser.get(f"/help/call-back/time?day={MONDAY.isoformat()}").get_data(as_text=True)
    first = _slot_keys(page)[0]
    monkeypatch.setattr(clock, "now", lambda: at(MONDAY, 8, 1))
    response = browser.post(f"/help/call-back/time?day={MONDAY.isoformat()}", {"slot": first, "reason": "plan"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(CallBack.id))) == 0


def test_a_reason_and_a_time_are_asked_for(browser, debtor, monday_morning):
    response = browser.post(f"/help/call-back/time?day={MONDAY.isoformat()}", {})
    assert response.status_code == 400
    page = main_text(response)
    assert "Choose a time for us to call you" in page and "Choose what you would like to talk about" in page


def test_without_a_phone_number_the_page_says_so_and_where_to_add_one(browser, creditor, monday_morning):
    debtor = make_debtor(creditor, email="sam@example.co.uk")
    make_account(debtor)
    db.session.commit()
    browser.sign_in(make_link(debtor), debtor)
    page = browser.get("/help/call-back").get_data(as_text=True)
    assert "We do not have a phone number for you, so we cannot call you back." in page
    assert 'href="/help/details"' in page
    response = browser.post(f"/help/call-back/time?day={MONDAY.isoformat()}", {"slot": "x", "reason": "plan"})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(CallBack.id))) == 0


# Booking, the confirmation and the creditor's event


def test_a_booked_call_back_is_kept_confirmed_shown_and_told_to_the_creditor(browser, debtor, monday_morning):
    response = _book(browser, MONDAY, reason="cant_pay", note="Please ask for Sarah.")
    assert response.status_code == 303 and response.headers["Location"] == "/help/call-back"
    call_back = db.session.scalar(select(CallBack))
    assert (call_back.status, call_back.reason, call_back.note, call_back.phone) == (
        "booked",
        "cant_pay",
        "Please ask for Sarah.",
        "07700 900123",
    )
    assert (call_back.slot_start, call_back.slot_end) == (at(MONDAY, 9), at(MONDAY, 11))

    page = main_text(browser.get("/help/call-back"))
    assert "Your call back is booked" in page and "between 09:00 and 11:00" in page
    assert "I can't pay right now" in page and "Cancel this call back" in page
    assert "We will call you on" in main_text(browser.get("/accounts/"))

    message = db.session.scalar(select(OutboundMessage).where(OutboundMessage.template == "callback.booked"))
    assert (message.channel, message.asks_for_money, message.state) == ("email", False, "sent")
    [event] = _events("callback.requested")
    assert event.data == {
        "call_back_id": call_back.id,
        "slot_start": at(MONDAY, 9).isoformat().replace("+00:00", "Z"),
        "slot_end": at(MONDAY, 11).isoformat().replace("+00:00", "Z"),
        "reason": "cant_pay",
    }
    assert "Sarah" not in str(event.data)
    assert [audit.debtor_id for audit in _audits("callback.requested")] == [debtor.id]


def test_the_confirmation_says_when_by_which_number_and_how_to_cancel(app, browser, debtor, monday_morning):
    _book(browser, MONDAY)
    [email] = [mail for mail in emails(app) if "call back" in mail["Subject"]]
    body = email.get_content()
    assert email["Subject"] == "Your call back from Harbour Credit is booked"
    assert f"Harbour Credit will call you on Monday, {MONDAY.day}" in body and "between 09:00 and 11:00" in body
    assert "We will call 07700 900123." in body
    assert "cancel it here: http" in body


def test_the_confirmation_goes_by_text_when_that_is_their_channel(browser, debtor, monday_morning):
    db.session.add(ContactPreference(debtor_id=debtor.id, email_on=False, sms_on=True, post_on=True))
    db.session.commit()
    _book(browser, MONDAY)
    message = db.session.scalar(select(OutboundMessage).where(OutboundMessage.template == "callback.booked"))
    assert message.channel == "sms"


def test_one_open_call_back_at_a_time(browser, debtor, monday_morning):
    _book(browser, MONDAY)
    page = browser.get("/help/call-back").get_data(as_text=True)
    assert 'name="day"' not in page
    tuesday = MONDAY + timedelta(days=1)
    slot = rule.Slot(at(tuesday, 9), at(tuesday, 11)).key
    again = browser.post(f"/help/call-back/time?day={tuesday.isoformat()}", {"slot": slot, "reason": "plan"})
    assert again.status_code == 303
    assert db.session.scalar(select(func.count(CallBack.id))) == 1


def test_the_database_refuses_a_second_open_call_back(app, debtor):
    """The rule holds below the service too: the unique partial index."""
    from sqlalchemy.exc import IntegrityError

    for _ in range(2):
        db.session.add(
            CallBack(
                debtor_id=debtor.id,
                slot_start=at(MONDAY, 9),
                slot_end=at(MONDAY, 11),
                reason="plan",
                phone="07700 900123",
            )
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# Cancelling


def test_the_debtor_can_cancel_and_then_book_again(browser, debtor, monday_morning):
    _book(browser, MONDAY)
    response = browser.post("/help/call-back/cancel")
    assert response.status_code == 303
    db.session.expire_all()
    call_back = db.session.scalar(select(CallBack))
    assert call_back.status == "cancelled" and call_back.cancelled_at == at(MONDAY, 8)
    page = main_text(browser.get("/help/call-back", follow_redirects=True))
    assert "Your call back is cancelled. We will not call you." in page
    assert "Call backs you asked for before" in page and "cancelled" in page
    assert [event.data["call_back_id"] for event in _events("callback.cancelled")] == [call_back.id]
    assert len(_audits("callback.cancelled")) == 1
    assert _book(browser, MONDAY).status_code == 303
    assert db.session.scalar(select(func.count(CallBack.id))) == 2


def test_cancelling_twice_cancels_once(browser, debtor, monday_morning):
    _book(browser, MONDAY)
    browser.post("/help/call-back/cancel")
    browser.post("/help/call-back/cancel")
    assert len(_events("callback.cancelled")) == 1


def test_a_debtor_cannot_cancel_someone_elses_call_back(app, browser, debtor, creditor, monday_morning):
    _book(browser, MONDAY)
    other = make_debtor(creditor, phone="07700 900999")
    make_account(other)
    db.session.commit()
    theirs = Browser(app.test_client())
    theirs.sign_in(make_link(other), other)
    theirs.post("/help/call-back/cancel")
    db.session.expire_all()
    assert db.session.scalar(select(CallBack.status)) == "booked"


# The console


@pytest.fixture
def agent(app, creditor):
    return make_staff(creditor, name="Sam Carter")


@pytest.fixture
def console(app, agent, monday_morning) -> StaffBrowser:
    """Signed in once the clock says Monday: a staff session ends after a while without a request."""
    staff = StaffBrowser(app.test_client())
    staff.sign_in(agent)
    return staff


def test_the_queue_shows_call_backs_earliest_slot_first_with_the_debtors_page_one_click_away(
    app, browser, console, debtor, creditor, monday_morning
):
    tuesday = MONDAY + timedelta(days=1)
    _book(browser, tuesday, reason="account")
    other = make_debtor(creditor, full_name="Ann Early", phone="07700 900555")
    make_account(other)
    db.session.commit()
    early = Browser(app.test_client())
    early.sign_in(make_link(other), other)
    _book(early, MONDAY)
    page = console.get("/staff/queues").get_data(as_text=True)
    text = main_text(console.get("/staff/queues"))
    assert "Call backs to make: 2" in text
    assert text.index("Ann Early") < text.index("Sarah Jones")
    assert "A question about my account" in text and "07700 900123" in text and "between 09:00 and 11:00" in text
    assert f'href="/staff/debtors/{debtor.id}"' in page


def test_a_call_back_at_another_creditor_is_not_in_the_queue_nor_found(app, console, monday_morning):
    elsewhere = make_uk_creditor(name="Other Bank", slug="other-bank")
    stranger = make_debtor(elsewhere, full_name="Olive Other", phone="07700 900777")
    make_account(stranger)
    db.session.commit()
    theirs = Browser(app.test_client())
    theirs.sign_in(make_link(stranger), stranger)
    _book(theirs, MONDAY)
    call_back = db.session.scalar(select(CallBack))
    assert "Olive Other" not in main_text(console.get("/staff/queues"))
    assert console.get(f"/staff/call-backs/{call_back.id}").status_code == 404
    assert console.post(f"/staff/call-backs/{call_back.id}", {"note": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(CallBack.status)) == "booked"


def test_staff_mark_a_call_back_done_with_a_note_audited_and_told_to_the_creditor(
    browser, console, agent, debtor, monday_morning
):
    _book(browser, MONDAY)
    call_back = db.session.scalar(select(CallBack))
    response = console.post(f"/staff/call-backs/{call_back.id}", {"note": "Agreed to send a budget."})
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    call_back = db.session.get(CallBack, call_back.id)
    assert (call_back.status, call_back.done_by_id, call_back.done_note) == (
        "done",
        agent.id,
        "Agreed to send a budget.",
    )
    [audit] = _audits("callback.done")
    assert (audit.actor_type, audit.actor_id, audit.debtor_id) == ("staff", agent.id, debtor.id)
    [event] = _events("callback.done")
    assert "budget" not in str(event.data)
    assert "Call backs to make: 0" in main_text(console.get("/staff/queues"))
    assert "Agreed to send a budget." in main_text(console.get(f"/staff/debtors/{debtor.id}"))
    assert "we called you" in main_text(browser.get("/help/call-back"))
    again = console.post(f"/staff/call-backs/{call_back.id}", {"note": "Twice"}, follow_redirects=True)
    assert "no longer open" in main_text(again) and len(_events("callback.done")) == 1


def test_the_debtors_page_in_the_console_shows_their_call_backs(browser, console, debtor, monday_morning):
    _book(browser, MONDAY, reason="plan", note="Mornings are best.")
    page = main_text(console.get(f"/staff/debtors/{debtor.id}"))
    assert "Call backs" in page and "Talk about a payment plan" in page and "Mornings are best." in page
    assert "Asked for a call back" in page


# Viewing as the debtor


def test_booking_for_the_debtor_while_viewing_as_them_needs_their_agreement(console, debtor, monday_morning):
    response = console.post(
        f"/staff/debtors/{debtor.id}/view", {"category": "phone_call", "reason": "Wants a call tomorrow"}
    )
    assert response.status_code == 302
    page = console.get(f"/help/call-back/time?day={MONDAY.isoformat()}").get_data(as_text=True)
    assert "The debtor agreed to this on the phone" in page
    slot = _slot_keys(page)[0]
    refused = console.post(f"/help/call-back/time?day={MONDAY.isoformat()}", {"slot": slot, "reason": "plan"})
    assert refused.status_code == 400
    assert db.session.scalar(select(func.count(CallBack.id))) == 0
    done = console.post(
        f"/help/call-back/time?day={MONDAY.isoformat()}",
        {"slot": slot, "reason": "plan", view_as.AGREED_FIELD: "yes"},
    )
    assert done.status_code == 303
    [audit] = _audits("callback.requested")
    assert audit.actor_type == "staff" and audit.detail["on_behalf"] is True


def test_booking_and_cancelling_are_rate_limited_per_debtor(app, browser, debtor, monday_morning):
    app.config["CALL_BACK_POSTS_PER_HOUR"] = "3 per hour"
    statuses = [browser.post("/help/call-back/cancel").status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert _book(browser, MONDAY).status_code == 429
    assert db.session.scalar(select(func.count(CallBack.id))) == 0


def test_a_day_beyond_the_days_offered_has_no_times(browser, debtor, monday_morning):
    far = MONDAY + timedelta(days=28)
    slot = rule.Slot(at(far, 9), at(far, 11)).key
    assert browser.get(f"/help/call-back/time?day={far.isoformat()}").status_code == 303
    response = browser.post(f"/help/call-back/time?day={far.isoformat()}", {"slot": slot, "reason": "plan"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(CallBack.id))) == 0


def test_a_call_back_whose_time_has_passed_says_so_and_can_be_cancelled(browser, debtor, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: at(MONDAY, 8))
    _book(browser, MONDAY)
    monkeypatch.setattr(clock, "now", lambda: at(MONDAY, 12))
    page = main_text(browser.get("/help/call-back"))
    assert "We were due to call you at that time. If we did not reach you" in page
    assert browser.post("/help/call-back/cancel").status_code == 303


def test_the_confirmation_says_the_slot_in_the_debtors_language(app, browser, debtor, monday_morning):
    debtor.locale = "es"
    db.session.commit()
    _book(browser, MONDAY)
    [email] = emails(app)
    assert f"lunes, {MONDAY.day} de" in email.get_content()


def test_no_day_is_chosen_for_the_debtor_and_continuing_without_one_says_so(browser, debtor, monday_morning):
    page = browser.get("/help/call-back").get_data(as_text=True)
    assert 'name="day"' in page and " checked" not in page

    response = browser.get("/help/call-back/time?asked=1", follow_redirects=True)

    assert response.status_code == 400
    assert main_text(response).count("Choose the day that suits you") == 2  # the summary and beside the days
