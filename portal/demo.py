"""Demo data: two creditors (US and UK) whose debtors own one to three accounts each."""

from datetime import date, timedelta

from portal.extensions import db
from portal.links import service
from portal.models import Account, Creditor, Debtor, LedgerEntry

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
        "policy": {"min_instalment": 2500, "max_term_months": 24, "settlement_discount_max_pct": 20},
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
        "policy": {"min_instalment": 500, "max_term_months": 36, "settlement_discount_max_pct": 15},
    },
]

# (creditor slug, reference, name, date of birth, postcode, email, accounts)
# Each account: (reference, description, original creditor, balance then, months ago, monthly interest, fees, payments)
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
        ],
    ),
]


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
                    original_creditor=spec[2],
                    currency=creditor.currency,
                )
                _ledger(account, spec, today)
                db.session.add(account)
        _, token = service.issue_link(debtor, campaign="demo")
        answer = born.isoformat() if creditor.identity_method == "date_of_birth" else postcode
        lines.append(f"{name:<14} {creditor.name:<20} {answer:<11} {service.link_url(token)}")
    db.session.commit()
    return lines
