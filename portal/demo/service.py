"""Demo data: two creditors (US and UK) whose debtors own one to three accounts each."""

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale

from portal.api import keys
from portal.budget import service as budgets
from portal.extensions import db
from portal.help.service import messages
from portal.i18n import language_of
from portal.links import service
from portal.models import Account, ApiKey, Creditor, Debtor, Hold, LedgerEntry, Plan, StaffUser
from portal.models.audit import record
from portal.plans import agreement
from portal.plans.service.making import agree, submit_proposal
from portal.plans.service.self_pay import choose_how_to_pay
from portal.plans.words import Formatter
from portal.rights.service import holds
from portal.staff import passwords

CREDITORS = [
    {
        "slug": "northwind",
        "name": "Northwind Recovery",
        "jurisdiction": "US",
        "currency": "USD",
        "locale": "en_US",
        "timezone": "America/Chicago",
        "identity_method": "date_of_birth",
        "link_lifetime_days": 30,
        "is_debt_collector": True,
        "brand_colour": "#1d4f91",
        "phone": "(555) 010-0142",
        "email": "help@northwind.example",
        "website": "https://northwind.example",
        "mailing_address": "PO Box 4410, Springfield, IL 62701",
        "policy": {
            "min_instalment": 2500,
            "max_term_months": 24,
            "auto_accept_max_term_months": 18,
            "frequencies": ["weekly", "fortnightly", "monthly"],
            "settlement_discount_min_pct": 10,
            "settlement_discount_max_pct": 20,
            "first_payment_within_days": 30,
            "missed_payments_to_break": 2,
            "retry_attempts": 2,
            "retry_after_days": 3,
            "freeze_interest_on_plan": True,
            "portal_sends_reminders": {"channels": ["email", "sms"]},
        },
    },
    {
        "slug": "harbour",
        "name": "Harbour Credit",
        "jurisdiction": "UK",
        "currency": "GBP",
        "locale": "en_GB",
        "timezone": "Europe/London",
        "identity_method": "postcode",
        "link_lifetime_days": 28,
        "is_debt_collector": True,
        "brand_colour": "#6b2c6f",
        "phone": "0113 496 0321",
        "email": "help@harbour.example",
        "website": "https://harbour.example",
        "mailing_address": "Harbour House, 1 Quay Street, Leeds LS1 4DY",
        "policy": {
            "min_instalment": 500,
            "max_term_months": 36,
            "auto_accept_max_term_months": 24,
            "frequencies": ["weekly", "fortnightly", "four_weekly", "monthly"],
            "settlement_discount_min_pct": 5,
            "settlement_discount_max_pct": 15,
            "settlement_instalments_max": 3,
            "first_payment_within_days": 30,
            "missed_payments_to_break": 3,
            "retry_attempts": 2,
            "retry_after_days": 3,
            "freeze_interest_on_plan": False,
            "reports_to_credit_files": True,
            "portal_sends_reminders": {"channels": ["email", "sms"]},
        },
    },
]

# (creditor slug, reference, name, date of birth, postcode, email, accounts)
# Each account: (reference, description, original creditor, balance then, months ago, monthly interest, fees, payments)
#: names a creditor sent in Spanish too, shown on Spanish pages: an account's description, a fee's words
SPANISH = {"Credit card": "Tarjeta de crédito", "Late payment fee": "Cargo por pago atrasado"}


def _in_spanish(text: str | None) -> dict[str, str] | None:
    return {"es": SPANISH[text]} if text in SPANISH else None


DEBTORS = [
    (
        "northwind",
        "NW-1001",
        "Maria Garcia",
        date(1985, 3, 27),
        "62704",
        "maria@example.com",
        [
            (
                "4417-2291",
                "Credit card",
                "Lakeside Bank",
                184_250,
                7,
                2_150,
                [(3, 3_500, "Late payment fee")],
                [(5, -10_000), (2, -5_000)],
            ),
            ("MED-88213", "Hospital bill", "St Anne's Medical Center", 92_000, 4, 0, [], [(1, -2_500)]),
        ],
    ),
    (
        "northwind",
        "NW-1002",
        "James Miller",
        date(1972, 11, 5),
        "62701",
        None,
        [
            (
                "AUTO-55120",
                "Car loan shortfall",
                "Prairie Auto Finance",
                418_900,
                10,
                3_100,
                [],
                [(8, -20_000), (4, -20_000)],
            ),
            ("GYM-20417", "Gym membership", "FitLife Clubs", 61_000, 96, 0, [], []),
        ],
    ),
    (
        "harbour",
        "HC-2001",
        "Sarah Jones",
        date(1990, 6, 14),
        "LS6 2AB",
        "sarah@example.co.uk",
        [
            (
                "MM-300188",
                "Mobile phone contract",
                "Meridian Mobile",
                64_380,
                6,
                0,
                [(2, 1_200, "Default notice fee")],
                [(4, -2_000)],
            ),
            ("BE-771204", "Energy bill", "Brightside Energy", 38_945, 3, 0, [], []),
            (
                "CC-5521",
                "Catalogue account",
                "Castle Catalogue",
                121_500,
                9,
                1_480,
                [],
                [(7, -5_000), (6, -5_000), (5, -5_000)],
            ),
        ],
    ),
    (
        "harbour",
        "HC-2002",
        "Tom Evans",
        date(1968, 1, 30),
        "CF10 1EP",
        None,
        [
            ("PL-909912", "Personal loan", "Greenway Loans", 253_000, 5, 1_900, [], [(2, -10_000)]),
            ("SC-118203", "Store card", "Northgate Stores", 48_200, 90, 0, [], []),
        ],
    ),
]


#: what the rights pages need: each debtor's address, when each US validation notice was sent (days
#: before the demo is loaded: one still open, one just opened, one whose period has ended) and a hold
ADDRESSES = {
    "NW-1001": "2323 Park Street\nSpringfield, IL 62704",
    "NW-1002": "18 Elm Court\nSpringfield, IL 62701",
    "HC-2001": "14 Elm Grove\nLeeds LS6 2AB",
    "HC-2002": "7 Castle Walk\nCardiff CF10 1EP",
}
#: mobile numbers for the demo's texts (reserved for drama and testing: Ofcom's 07700 900xxx, the US 555-01xx)
PHONES = {"NW-1001": "+1 312 555 0142", "HC-2001": "07700 900123"}
VALIDATION_NOTICE_DAYS_AGO = {"4417-2291": 4, "MED-88213": 45, "AUTO-55120": 12}
#: account reference: (kind, started days ago, lasts days)
HOLDS = {"BE-771204": ("creditor_pause", 5, 30)}
#: who owns each debt now, where the collector collects for someone other than the original creditor
#: (a debt buyer); every other demo debt is owed to its original creditor
OWNERS = {"AUTO-55120": "Harbor Debt Holdings", "GYM-20417": "Harbor Debt Holdings"}
#: debts too old to be taken to court for: a US one where a payment would restart the time limit, and
#: a UK statute-barred one (the account and pay pages say so)
TOO_OLD = {
    "GYM-20417": {"time_barred": True, "payment_restarts_time_limit": True},
    "SC-118203": {"statute_barred": True},
}


def _rights_demo(debtor: Debtor, today: date) -> None:
    """Give a debtor (new, or from an older demo database) what the rights pages show; idempotent."""
    debtor.address = debtor.address or ADDRESSES.get(debtor.reference)
    debtor.phone = debtor.phone or PHONES.get(debtor.reference)
    db.session.flush()
    accounts = db.session.scalars(db.select(Account).where(Account.debtor_id == debtor.id)).all()
    for account in accounts:
        days_ago = VALIDATION_NOTICE_DAYS_AGO.get(account.reference)
        if days_ago is not None and account.validation_notice_sent_on is None:
            account.validation_notice_sent_on = today - timedelta(days=days_ago)
        hold = HOLDS.get(account.reference)
        if hold and db.session.scalar(db.select(Hold).where(Hold.account_id == account.id)) is None:
            kind, started, days = hold
            holds.start_hold(
                debtor, kind=kind, account=account, starts_on=today - timedelta(days=started), days=days, by="demo"
            )


#: debtor reference: a conversation with a staff reply, and a staff visit, for the help pages
HELP_EXAMPLES = {
    "HC-2001": (
        "Changing my payment date",
        "Hello, I get paid on the 28th. Can my payments come out then?",
        "Yes, that is fine. From next month we will take your payments on the 28th.",
        "You called us about your payment date",
    ),
}


def _help_demo(debtor: Debtor, today: date) -> None:
    """A conversation and a staff visit for the help pages (messages, who has viewed); idempotent."""
    example = HELP_EXAMPLES.get(debtor.reference)
    if example is None or messages.threads_for(debtor):
        return
    subject, question, answer, reason = example
    asked = datetime.combine(today - timedelta(days=3), time(18, 20), UTC)
    thread = messages.start_thread(debtor, subject, question, now=asked)
    messages.reply_as_staff(thread, answer, staff_name="Alex", now=asked + timedelta(hours=15))
    record(
        "staff.viewed",
        actor_type="staff",
        debtor_id=debtor.id,
        staff_name="Alex",
        reason=reason,
        path="/accounts/",
    ).created_at = asked + timedelta(hours=14, minutes=55)


#: debtor reference: a quick budget they have done, monthly amounts in minor units by line, so that someone they
#: invite to help (a debt adviser: "Someone you trust to help", under "How we contact you") has a budget to see
BUDGETS = {
    "HC-2001": {
        "take_home_income": 150_000,
        "housing": 65_000,
        "bills": 18_000,
        "food": 30_000,
        "transport": 12_000,
        "other": 15_000,
    }
}


def _budget_demo(debtor: Debtor) -> None:
    """A quick budget, for a helper to see and download; idempotent."""
    amounts = BUDGETS.get(debtor.reference)
    if amounts is None or budgets.latest_budget_for(debtor) is not None:
        return
    budget = budgets.start_budget(debtor, "quick")
    budget.adults, budget.children, budget.vehicles = 1, 0, 1
    budget.lines = {line: {"amount": amount, "frequency": "monthly"} for line, amount in amounts.items()}
    budget.sections_done = 1


#: debtor reference: (account, amount a month) of a proposal waiting for a supervisor (too long to accept at once)
WAITING_PROPOSALS = {"NW-1002": ("AUTO-55120", 5_000)}


#: a plan the debtor pays each time themselves, no card kept: its first payment is due in 3 days, so the next
#: `flask remind` puts its pay link in the debtor's messages (Tom has no email address)
PAID_BY_THEMSELVES = {"HC-2002": ("PL-909912", 15_000)}


def _plans_demo(debtor: Debtor, today: date) -> None:
    """A proposal waiting for a person, for the console's queue, and a plan paid by the debtor each time;
    idempotent."""
    if db.session.scalar(db.select(Plan.id).where(Plan.debtor_id == debtor.id)) is not None:
        return
    if debtor.reference in WAITING_PROPOSALS:
        reference, amount = WAITING_PROPOSALS[debtor.reference]
        submit_proposal(
            debtor, _account(debtor, reference), amount, "monthly", today + timedelta(days=7), confirm=False
        )
    if debtor.reference in PAID_BY_THEMSELVES:
        reference, amount = PAID_BY_THEMSELVES[debtor.reference]
        account = _account(debtor, reference)
        plan = submit_proposal(debtor, account, amount, "monthly", today + timedelta(days=3), confirm=False)
        choose_how_to_pay(plan, debtor, "debtor")
        language = language_of(debtor)
        with force_locale(language):
            words = agreement.as_text(agreement.sections(plan, account, debtor.creditor, Formatter.for_debtor(debtor)))
        agree(plan, debtor, text=words, version=agreement.VERSION, language=language, pay_first_now=False)


def _account(debtor: Debtor, reference: str) -> Account:
    return db.session.scalar(db.select(Account).where(Account.debtor_id == debtor.id, Account.reference == reference))


#: the support console's demo staff, serving both creditors: email, name, role, TOTP secret (base32)
STAFF = [
    ("agent@portal.example", "Alex Morgan", "agent", "DEMOAGENTKEY234567DEMOAGENTKEY23"),
    ("supervisor@portal.example", "Priya Shah", "supervisor", "DEMOSUPERVISORKEY234567DEMOSUPER"),
    ("admin@portal.example", "Chris Lee", "admin", "DEMOADMINKEY234567DEMOADMINKEY23"),
]
STAFF_PASSWORD = "try the console 2026"  # noqa: S105  (demo data: `flask demo seed` refuses production)


def _staff_demo(creditors: list[Creditor]) -> list[str]:
    """The demo staff (once), and how to sign in as each."""
    console = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/staff/sign-in"
    lines = ["", f"Support console: {console}  password: {STAFF_PASSWORD}  code now: flask staff totp EMAIL"]
    for email, name, role, secret in STAFF:
        if db.session.scalar(db.select(StaffUser.id).where(StaffUser.email == email)) is None:
            db.session.add(
                StaffUser(
                    email=email,
                    name=name,
                    role=role,
                    password_hash=passwords.hash_password(STAFF_PASSWORD),
                    totp_secret=secret,
                    creditors=creditors,
                )
            )
        lines.append(f"{name:<14} {role:<20} {email:<26} TOTP secret {secret}")
    return lines


#: the demo creditor's API key, the same on every seed (a development database only: see _api_demo)
DEMO_API_KEY = "pk_live_demo0api0key0_TryTheCreditorApiLocally2026"


def _api_demo(creditor: Creditor) -> list[str]:
    """The demo creditor's API key (once), printed in development only: a test or staging database gets none."""
    if current_app.config["PORTAL_ENV"] != "development":
        return []
    lookup = DEMO_API_KEY.removeprefix(keys.PREFIX).partition("_")[0]
    if db.session.scalar(db.select(ApiKey.id).where(ApiKey.lookup == lookup)) is None:
        keys.create_key(creditor, name="Demo", by="flask demo seed", key=DEMO_API_KEY)
    docs = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/api/v1/docs"
    return ["", f"Creditor API ({creditor.name}): {docs}  Authorization: Bearer {DEMO_API_KEY}"]


def _months_ago(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def _ledger(account: Account, spec: tuple, today: date) -> None:
    reference, _, _, opening, months, interest, fees, payments = spec
    start = _months_ago(today, months)
    account.itemization_date = start
    entries = [("itemization", opening, start, None)]
    entries += [("interest", interest, _months_ago(today, m), None) for m in range(months - 1, -1, -1) if interest]
    entries += [("fee", amount, _months_ago(today, m), text) for m, amount, text in fees]
    entries += [("payment", amount, _months_ago(today, m) + timedelta(days=3), None) for m, amount in payments]
    for n, (kind, amount, when, text) in enumerate(sorted(entries, key=lambda e: e[2])):
        db.session.add(
            LedgerEntry(
                account=account,
                kind=kind,
                amount=amount,
                effective_date=min(when, today),
                description=text,
                description_translations=_in_spanish(text),
                external_ref=f"demo:{reference}:{n}",
            )
        )


def seed(today: date | None = None) -> list[str]:
    """Create the demo data if it isn't there; return one line per debtor with a fresh link."""
    today = today or date.today()
    creditors = {}
    for spec in CREDITORS:
        creditor = db.session.scalar(db.select(Creditor).where(Creditor.slug == spec["slug"]))
        if creditor is None:
            creditor = Creditor(**spec)
            db.session.add(creditor)
        else:  # an older demo database: add the plan rules it lacks
            creditor.policy = spec["policy"] | (creditor.policy or {})
        creditors[spec["slug"]] = creditor
    db.session.flush()

    lines = []
    for slug, reference, name, born, postcode, email, accounts in DEBTORS:
        creditor = creditors[slug]
        debtor = db.session.scalar(
            db.select(Debtor).where(Debtor.creditor_id == creditor.id, Debtor.reference == reference)
        )
        if debtor is None:
            debtor = Debtor(
                creditor=creditor,
                reference=reference,
                full_name=name,
                date_of_birth=born,
                postcode=postcode,
                email=email,
            )
            db.session.add(debtor)
            for spec in accounts:
                account = Account(
                    debtor=debtor,
                    reference=spec[0],
                    description=spec[1],
                    description_translations=_in_spanish(spec[1]),
                    original_creditor=spec[2],
                    current_creditor=OWNERS.get(spec[0], spec[2]),
                    currency=creditor.currency,
                    monthly_interest=spec[5],
                    **TOO_OLD.get(spec[0], {}),
                )
                _ledger(account, spec, today)
                db.session.add(account)
        _rights_demo(debtor, today)
        _help_demo(debtor, today)
        _plans_demo(debtor, today)
        _budget_demo(debtor)
        _, token = service.issue_link(debtor, campaign="demo")
        answer = born.isoformat() if creditor.identity_method == "date_of_birth" else postcode
        lines.append(f"{name:<14} {creditor.name:<20} {answer:<11} {service.link_url(token)}")
    return lines + _staff_demo(list(creditors.values())) + _api_demo(next(iter(creditors.values())))
