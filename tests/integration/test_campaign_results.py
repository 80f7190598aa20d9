"""Campaign results in the console: a campaign's links, opens, sign-ins, payments, plans and money by day in the
creditor's time zone, payments attributed to the latest link before them, the CSV saying what the table says,
scoped to the staff user's creditors, in a flat number of statements."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime

from portal.extensions import db
from portal.links.service import issue_link, issue_links
from portal.models import AuditEvent, MagicLink, Promise
from tests.conftest import Browser, main_text
from tests.factories import make_account, make_creditor, make_debtor, make_link, make_payment
from tests.plan_support import stored_plan
from tests.staff_support import StaffBrowser, make_staff


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def link_for(debtor, campaign: str, when: datetime) -> MagicLink:
    link, _token = issue_link(debtor, campaign=campaign, now=when)
    return link


def event(action: str, link: MagicLink, when: datetime) -> None:
    """What portal.links.service records when a link is opened or signed in with, at a time of the test's."""
    db.session.add(
        AuditEvent(
            action=action,
            actor_type="debtor",
            debtor_id=link.debtor_id,
            detail={"link": link.public_id},
            created_at=when,
        )
    )


def paid(debtor, amount: int, when: datetime) -> None:
    payment = make_payment(debtor, make_account(debtor), f"key-{debtor.id}-{when.isoformat()}", status="succeeded")
    payment.amount, payment.succeeded_at = amount, when


def plan_agreed(debtor, when: datetime) -> None:
    plan = stored_plan(make_account(debtor), [date(2026, 12, 1)], 5_000)
    plan.status, plan.agreed_at = "agreed", when


def promised(debtor, when: datetime) -> None:
    account = make_account(debtor)
    db.session.add(
        Promise(
            reference=f"PR-{debtor.id}-{when.day}",
            debtor_id=debtor.id,
            account_id=account.id,
            amount=5_000,
            currency=account.currency,
            due_on=date(2026, 12, 1),
            made_at=when,
        )
    )


def seeded_campaign():
    """Harbour's "nov" campaign in New York time: four links on 2 November (one of them at 23:30 there, 04:30 UTC
    the next day), opened, signed in with, paid and a plan agreed over three days."""
    creditor = make_creditor(name="Harbour Credit", slug="harbour", timezone="America/New_York")
    first, second, third, late = (make_debtor(creditor) for _ in range(4))
    paid(third, 9_900, at(1, 15))  # before any link: not the campaign's
    links = [link_for(debtor, "nov", at(2, 15)) for debtor in (first, second, third)]
    link_for(late, "nov", at(3, 4).replace(minute=30))
    event("link.opened", links[0], at(2, 16))
    event("link.opened", links[0], at(4, 16))  # a second open: counted once, on the first day
    event("link.opened", links[1], at(3, 15))
    event("session.started", links[0], at(3, 15))
    paid(first, 5_000, at(3, 16))
    paid(first, 2_500, at(4, 16))
    plan_agreed(second, at(4, 17))
    db.session.commit()
    return creditor


def signed_in(app, creditor, role: str = "agent") -> StaffBrowser:
    staff = StaffBrowser(app.test_client())
    staff.sign_in(make_staff(creditor, role=role))
    return staff


def csv_rows(staff, path: str) -> list[list[str]]:
    response = staff.get(path + "/results.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def table_rows(response) -> list[list[str]]:
    table = re.search(r'<table class="campaign-days">.*?</table>', response.get_data(as_text=True), re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row] for row in cells]


def test_an_agent_sees_a_campaigns_figures_by_day_in_the_creditors_time_zone(app):
    creditor = seeded_campaign()
    rows = csv_rows(signed_in(app, creditor), "/staff/campaigns/harbour/nov")
    assert rows == [
        [
            "Day",
            "Links issued",
            "Opened",
            "Identity checked",
            "Paid",
            "Plan agreed",
            "Promise made",
            "Collected (USD)",
        ],
        ["2026-11-02", "4", "1", "0", "0", "0", "0", "0.00"],
        ["2026-11-03", "0", "1", "1", "1", "0", "0", "50.00"],
        ["2026-11-04", "0", "0", "0", "0", "1", "0", "25.00"],
        ["Total", "4", "2", "1", "1", "1", "0", "75.00"],
    ]


def test_a_payment_counts_for_the_campaign_of_the_debtors_latest_link_before_it(app):
    creditor = make_creditor(slug="harbour", timezone="UTC")
    early, switched = make_debtor(creditor), make_debtor(creditor)
    paid(early, 1_000, at(1, 9))  # before their link
    link_for(early, "nov", at(2, 9))
    link_for(switched, "nov", at(2, 9))
    link_for(switched, "dec", at(1, 9, month=12))
    paid(switched, 3_000, at(2, 9, month=12))  # after the later campaign's link
    plan_agreed(switched, at(2, 10, month=12))
    db.session.commit()
    staff = signed_in(app, creditor)
    november, december = (
        csv_rows(staff, "/staff/campaigns/harbour/nov"),
        csv_rows(staff, "/staff/campaigns/harbour/dec"),
    )
    assert november[-1] == ["Total", "2", "0", "0", "0", "0", "0", "0.00"]
    assert december[-1] == ["Total", "1", "0", "0", "1", "1", "0", "30.00"]


def test_the_csv_says_what_the_table_says(app):
    creditor = seeded_campaign()
    staff = signed_in(app, creditor)
    page = staff.get("/staff/campaigns/harbour/nov")
    assert page.status_code == 200
    table, rows = table_rows(page), csv_rows(staff, "/staff/campaigns/harbour/nov")
    assert table[0] == rows[0]
    assert [row[0] for row in table[1:]] == ["November 2, 2026", "November 3, 2026", "November 4, 2026", "Total"]
    for shown, downloaded in zip(table[1:], rows[1:], strict=True):
        assert shown[1:7] == downloaded[1:7]
        assert shown[7] == "$" + downloaded[7]


def test_the_list_shows_each_campaign_of_the_staff_users_creditors_with_its_totals(app):
    creditor = seeded_campaign()
    other = make_creditor(name="Other Bank", slug="other-bank")
    link_for(make_debtor(other), "secret-offer", at(5, 12))
    link_for(make_debtor(creditor), "dec", at(1, 12, month=12))
    db.session.commit()
    page = signed_in(app, creditor).get("/staff/campaigns")
    text = main_text(page)
    assert page.status_code == 200
    assert "secret-offer" not in text
    assert re.search(r"dec Harbour Credit December 1, 2026 1 0 0 0 0 0 \$0\.00", text)
    assert re.search(r"nov Harbour Credit November 2, 2026 4 2 1 1 1 0 \$75\.00", text)
    assert text.index(" dec ") < text.index(" nov ")


def test_another_creditors_campaign_is_not_found(app):
    seeded_campaign()
    ours = make_creditor(slug="ours")
    link_for(make_debtor(ours), "nov", at(2, 12))
    db.session.commit()
    staff = signed_in(app, ours)
    assert staff.get("/staff/campaigns/harbour/nov").status_code == 404
    assert staff.get("/staff/campaigns/harbour/nov/results.csv").status_code == 404
    assert staff.get("/staff/campaigns/ours/never-sent").status_code == 404
    assert staff.get("/staff/campaigns/ours/nov").status_code == 200


def test_the_chart_has_a_text_alternative_with_the_totals(app):
    creditor = seeded_campaign()
    page = signed_in(app, creditor).get("/staff/campaigns/harbour/nov").get_data(as_text=True)
    svg = re.search(r"<svg [^>]*>.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    desc = html.unescape(re.search(r'<desc id="chart-desc">(.*?)</desc>', svg, re.S).group(1))
    assert "3 days, from November 2, 2026 to November 4, 2026" in desc
    assert "2 opened, 1 checked their identity and 1 paid" in desc
    assert len(re.findall(r"<rect ", svg)) == 4  # a bar for each non-zero figure: 1 on 2 November, 3 on the 3rd


def test_links_opened_and_signed_in_with_through_the_portal_count_today(app):
    creditor = make_creditor(slug="harbour", timezone="UTC")
    debtor = make_debtor(creditor)
    path = make_link(debtor, campaign="spring")
    Browser(app.test_client()).sign_in(path, debtor)
    rows = csv_rows(signed_in(app, creditor), "/staff/campaigns/harbour/spring")
    assert rows[-1] == ["Total", "1", "1", "1", "0", "0", "0", "0.00"]


def test_the_number_of_statements_does_not_grow_with_the_number_of_links(app, count_queries):
    creditor = make_creditor(slug="harbour")
    staff = signed_in(app, creditor)

    def statements(links: int) -> tuple[int, int, int]:
        debtors = [make_debtor(creditor).id for _ in range(links)]
        issue_links(creditor, debtors, campaign=f"c{links}", now=at(2, 12))
        for link in db.session.scalars(db.select(MagicLink).where(MagicLink.campaign == f"c{links}")):
            event("link.opened", link, at(3, 12))
            paid(link.debtor, 1_000, at(4, 12))
        db.session.commit()
        counts = []
        for path in (
            "/staff/campaigns",
            f"/staff/campaigns/harbour/c{links}",
            f"/staff/campaigns/harbour/c{links}/results.csv",
        ):
            with count_queries() as counter:
                assert staff.get(path).status_code == 200
            counts.append(counter.count)
        return tuple(counts)

    few, many = statements(10), statements(200)
    assert few == many
    assert max(many) <= 12


def test_promises_to_pay_count_for_the_campaign_of_the_latest_link_each_on_its_day(app):
    creditor = seeded_campaign()
    debtor = make_debtor(creditor)
    promised(debtor, at(1, 9))  # before their link: not the campaign's
    link_for(debtor, "nov", at(2, 9))
    promised(debtor, at(3, 16))
    promised(debtor, at(4, 16))
    db.session.commit()
    rows = csv_rows(signed_in(app, creditor), "/staff/campaigns/harbour/nov")
    promises = {row[0]: row[6] for row in rows[1:]}
    assert (promises["2026-11-03"], promises["2026-11-04"], promises["Total"]) == ("1", "1", "2")
