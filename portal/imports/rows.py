"""The rows of an accounts file, checked before anything is stored: pure functions over plain data.

One row is one account of one debtor; a debtor with several accounts has several rows with the same
debtor_reference, which must agree on who the debtor is. A bad row is reported with its line number and
the field at fault, and left out; the good rows are imported.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import get_currency_precision

from portal.translated import clean_translations

#: every column an accounts file may have, in the order the example and the README give them
COLUMNS = (
    "debtor_reference",
    "full_name",
    "date_of_birth",
    "postcode",
    "email",
    "phone",
    "address",
    "language",
    "account_reference",
    "description",
    "original_creditor",
    "original_reference",
    "itemization_date",
    "itemization_amount",
    "itemization_creditor",
    "current_creditor",
    "monthly_interest",
    "description_es",
)
#: columns every file must have (date_of_birth or postcode too, by the creditor's identity check)
REQUIRED_COLUMNS = (
    "debtor_reference",
    "full_name",
    "account_reference",
    "description",
    "original_creditor",
    "itemization_date",
    "itemization_amount",
)
LANGUAGES = ("en", "es")
#: the debtor's columns: rows of one debtor must agree on them
DEBTOR_FIELDS = ("full_name", "date_of_birth", "postcode", "email", "phone", "address", "locale")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_AMOUNT = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"\+?[\d ()./-]{6,}", re.ASCII)
_POSTCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]*", re.ASCII)
#: the widest of each text column (the models' String lengths)
_LENGTHS = {
    "debtor_reference": 64,
    "full_name": 200,
    "postcode": 16,
    "email": 200,
    "phone": 40,
    "address": 500,
    "account_reference": 64,
    "description": 200,
    "description_es": 200,
    "original_creditor": 200,
    "original_reference": 64,
    "itemization_creditor": 200,
    "current_creditor": 200,
}


@dataclass(frozen=True, slots=True)
class Rules:
    """What the creditor's settings decide about a row."""

    #: "date_of_birth" or "postcode": the answer the debtor's identity check needs
    identity_method: str
    currency: str
    #: the creditor's name: who an account is owed to when the row does not say
    creditor_name: str
    #: a debt collector collects for the debt's owner, so each row must name it (current_creditor)
    is_debt_collector: bool
    today: date


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A good row, in the models' terms (amounts in minor units of the creditor's currency)."""

    line: int
    #: the row as written, for the reject file if the database refuses it (portal.imports.loader.conflicts)
    values: Mapping[str, str]
    debtor_reference: str
    full_name: str
    date_of_birth: date | None
    postcode: str | None
    email: str | None
    phone: str | None
    address: str | None
    locale: str | None
    account_reference: str
    description: str
    #: the description in other languages, from the optional description_<language> columns
    description_translations: dict[str, str] | None
    original_creditor: str
    original_reference: str | None
    itemization_date: date
    itemization_amount: int
    itemization_creditor: str | None
    current_creditor: str
    monthly_interest: int

    def debtor(self) -> dict:
        return {field: getattr(self, field) for field in DEBTOR_FIELDS}


@dataclass(frozen=True, slots=True)
class Rejected:
    """A bad row: its line in the file, the field at fault, why, and the row as it was written."""

    line: int
    field: str
    reason: str
    values: Mapping[str, str]

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


class BadValue(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def header_problems(header: Iterable[str], rules: Rules) -> list[str]:
    """What is wrong with the file's columns as a whole (nothing can be imported then)."""
    have = set(header)
    needed = (*REQUIRED_COLUMNS, rules.identity_method)
    return [f"the file has no {column} column" for column in needed if column not in have]


def check_rows(rows: Iterable[tuple[int, Mapping[str, str]]], rules: Rules) -> tuple[list[AccountRow], list[Rejected]]:
    """Every (line, row) checked: the good rows and the rejected ones.

    A debtor's later row that names them differently, and an account that appears twice, are rejected
    (a file is one picture of the creditor's books: which of the two is right is for them to say).
    """
    good: list[AccountRow] = []
    rejected: list[Rejected] = []
    debtors: dict[str, AccountRow] = {}
    accounts: dict[tuple[str, str], int] = {}
    for line, values in rows:
        try:
            row = check_row(line, values, rules)
            _agrees(row, debtors.setdefault(row.debtor_reference, row), accounts)
        except BadValue as bad:
            rejected.append(Rejected(line, bad.field, bad.reason, values))
            continue
        accounts[row.debtor_reference, row.account_reference] = line
        good.append(row)
    return good, rejected


def _agrees(row: AccountRow, first: AccountRow, accounts: dict[tuple[str, str], int]) -> None:
    seen = accounts.get((row.debtor_reference, row.account_reference))
    if seen is not None:
        raise BadValue("account_reference", f"the same account is on line {seen}")
    for field in DEBTOR_FIELDS:
        if getattr(row, field) != getattr(first, field):
            column = "language" if field == "locale" else field
            raise BadValue(column, f"differs from line {first.line}, for the same debtor_reference")


def check_row(line: int, values: Mapping[str, str], rules: Rules) -> AccountRow:
    """One row as an AccountRow, or BadValue naming the first field at fault."""
    if values.get(None):  # csv.DictReader keeps a line's extra values under None
        raise BadValue("row", "more values than the file has columns")
    text = {column: (values.get(column) or "").strip() for column in COLUMNS}
    for column, longest in _LENGTHS.items():
        if len(text[column]) > longest:
            raise BadValue(column, f"longer than {longest} characters")
    for column in REQUIRED_COLUMNS:
        if not text[column]:
            raise BadValue(column, "missing")
    if not text[rules.identity_method]:
        raise BadValue(rules.identity_method, "missing, and the creditor's identity check asks for it")
    if rules.is_debt_collector and not text["current_creditor"]:
        raise BadValue("current_creditor", "missing: a debt collector must name who the debt is owed to now")
    itemization_date = _date(text, "itemization_date")
    if itemization_date > rules.today:
        raise BadValue("itemization_date", "in the future")
    return AccountRow(
        line=line,
        values=values,
        debtor_reference=text["debtor_reference"],
        full_name=text["full_name"],
        date_of_birth=_birth_date(text, rules.today),
        postcode=_optional(text, "postcode", _POSTCODE, "not a postcode or ZIP code"),
        email=_optional(text, "email", _EMAIL, "not an email address"),
        phone=_optional(text, "phone", _PHONE, "not a phone number"),
        address=text["address"] or None,
        locale=_language(text),
        account_reference=text["account_reference"],
        description=text["description"],
        description_translations=clean_translations({"es": text["description_es"]}),
        original_creditor=text["original_creditor"],
        original_reference=text["original_reference"] or None,
        itemization_date=itemization_date,
        itemization_amount=_amount(text, "itemization_amount", rules.currency, positive=True),
        itemization_creditor=text["itemization_creditor"] or None,
        current_creditor=text["current_creditor"] or rules.creditor_name,
        monthly_interest=_amount(text, "monthly_interest", rules.currency) if text["monthly_interest"] else 0,
    )


def _date(text: Mapping[str, str], column: str) -> date:
    try:
        if _DATE.fullmatch(text[column]):
            return date.fromisoformat(text[column])
    except ValueError:
        pass
    raise BadValue(column, f"not a date written YYYY-MM-DD: {text[column]!r}")


def _birth_date(text: Mapping[str, str], today: date) -> date | None:
    if not text["date_of_birth"]:
        return None
    born = _date(text, "date_of_birth")
    if not date(1900, 1, 1) <= born < today:
        raise BadValue("date_of_birth", f"not a date of birth: {text['date_of_birth']!r}")
    return born


def _optional(text: Mapping[str, str], column: str, pattern: re.Pattern, reason: str) -> str | None:
    if not text[column]:
        return None
    if not pattern.fullmatch(text[column]):
        raise BadValue(column, f"{reason}: {text[column]!r}")
    return text[column]


def _language(text: Mapping[str, str]) -> str | None:
    language = text["language"].lower()
    if language and language not in LANGUAGES:
        raise BadValue("language", f"not one of {', '.join(LANGUAGES)}: {text['language']!r}")
    return language or None


def _amount(text: Mapping[str, str], column: str, currency: str, *, positive: bool = False) -> int:
    """An amount written as a plain decimal in the creditor's currency ("1234.56"), in minor units."""
    written = text[column]
    digits = get_currency_precision(currency)
    if not _AMOUNT.fullmatch(written) or len(written.partition(".")[2]) > digits:
        places = f"at most {digits} decimal places" if digits else "no decimal places"
        raise BadValue(column, f"not an amount written like 1234.56 ({places}, no sign or separators): {written!r}")
    minor = int(Decimal(written).scaleb(digits))
    if positive and minor <= 0:
        raise BadValue(column, "must be more than zero")
    return minor
