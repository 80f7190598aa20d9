"""A creditor's settings, changed in the console: checked field by field, saved as a new version, audited.

The settings live where the portal already reads them (the Creditor row, and plan rules, payment minimum,
write-off threshold and budget guideline figures in `Creditor.policy`); this module only changes them. Each
change adds a CreditorSettingsVersion with every setting and what changed, so the history never depends on
the audit trail's wording. Policy keys this page does not edit (the creditor's own, sent through the API) are
kept as they are.
"""

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.budget.structures import load_structure
from portal.domain_errors import NotAllowedNow, NotFoundForOwner
from portal.extensions import db
from portal.help.call_backs import DEFAULT_OPENING_HOURS
from portal.help.call_backs import POLICY_KEY as OPENING_HOURS_KEY
from portal.help.quick_exit import POLICY_KEY as QUICK_EXIT_KEY
from portal.models import Creditor, CreditorSettingsVersion, StaffUser
from portal.models.audit import record
from portal.models.creditor import IDENTITY_METHODS
from portal.plans.policy import (
    MAX_MOVE_LATER_DAYS,
    MAX_OPEN_PROMISES,
    MAX_PROMISE_DAYS,
    MAX_SETTLEMENT_INSTALMENTS,
    MAX_TERM_MONTHS,
    Frequency,
    PlanPolicy,
)
from portal.templating import accent_colour

#: what the settings page edits, in the order the page and the history show them, with their labels
LABELS = {
    "name": _l("Brand name"),
    "brand_colour": _l("Accent colour"),
    "phone": _l("Phone number"),
    "email": _l("Email address"),
    "website": _l("Website"),
    "mailing_address": _l("Mailing address"),
    "quick_exit_url": _l("Where “Exit this page” goes"),
    "identity_method": _l("What debtors enter to prove who they are"),
    "link_lifetime_days": _l("Days a link works for"),
    "min_instalment": _l("Smallest instalment"),
    "max_term_months": _l("Longest plan, in months"),
    "auto_accept_max_term_months": _l("Longest plan accepted at once, in months"),
    "frequencies": _l("How often debtors may pay"),
    "settlement_discount_min_pct": _l("Smallest settlement discount, in percent"),
    "settlement_discount_max_pct": _l("Largest settlement discount, in percent"),
    "settlement_instalments_max": _l("Monthly payments a settlement may be paid in"),
    "first_payment_within_days": _l("First payment within, in days"),
    "move_payment_later_days": _l("Days a debtor may move a payment later"),
    "missed_payments_to_break": _l("Missed payments that break a plan"),
    "retry_attempts": _l("Retries after a declined payment"),
    "retry_after_days": _l("Days between a decline and its retry"),
    "freeze_interest_on_plan": _l("No interest or charges added while a plan is kept"),
    "reports_to_credit_files": _l("Reports accounts to credit reference agencies"),
    "min_payment": _l("Smallest one-off payment"),
    "write_off_approval_above": _l("Write-offs above this need a second supervisor"),
    "budget_guidelines": _l("Budget guideline figures"),
    "opening_hours": _l("Opening hours for call backs"),
    "promise_latest_days": _l("Latest day of a promise to pay, in days from today"),
    "promise_min_amount": _l("Smallest promise to pay"),
    "promise_max_open": _l("Promises to pay open at once on one account"),
}
#: settings in minor units of the creditor's currency
MONEY = frozenset({"min_instalment", "min_payment", "write_off_approval_above", "promise_min_amount"})
#: plan policy keys, as portal.plans.policy.PlanPolicy reads them
POLICY_KEYS = (
    "min_instalment",
    "max_term_months",
    "auto_accept_max_term_months",
    "frequencies",
    "first_payment_within_days",
    "move_payment_later_days",
    "missed_payments_to_break",
    "retry_attempts",
    "retry_after_days",
    "freeze_interest_on_plan",
    "reports_to_credit_files",
)
#: the promise-to-pay rules (portal.promises), read by PlanPolicy; each may be left out for its default
PROMISE_KEYS = ("promise_latest_days", "promise_min_amount", "promise_max_open")
#: policy keys that may be left out (the portal's default applies)
OPTIONAL_POLICY_KEYS = ("min_payment", "write_off_approval_above", "settlement_instalments_max", *PROMISE_KEYS)
ROW_FIELDS = ("name", "brand_colour", "phone", "email", "website", "mailing_address", "identity_method")
_COLOUR = re.compile(r"#[0-9a-f]{6}")
_HOUSEHOLD = re.compile(r"adults:\d+,children:\d+(,vehicles:\d+)?|persons:\d+|per_person")
#: the longest a link may last: a link is a key to the debtor's account
MAX_LINK_DAYS = 90


class SettingsRefused(NotAllowedNow):
    """Some settings can't be saved; `problems` maps each field to what to change."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(problems))
        self.problems = problems


class SettingsChangedMeanwhile(NotAllowedNow):
    """Another admin saved the creditor's settings after this form was drawn, or at the same moment: saving this
    one would quietly undo theirs."""


def current_settings(creditor: Creditor) -> dict[str, Any]:
    """Every setting this page edits, as stored: what a version keeps."""
    return {field: getattr(creditor, field) for field in (*ROW_FIELDS, "link_lifetime_days")} | {
        "policy": dict(creditor.policy or {})
    }


def editable(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as the page shows them, one value a field of LABELS: the policy as the portal reads it
    (a key left out shows its default), so a change means a change in what debtors get."""
    raw = settings.get("policy") or {}
    policy = PlanPolicy.from_dict(raw, default_minimum=current_app.config["PAYMENT_MINIMUM_DEFAULT"])
    low, high = policy.settlement_discount_pct or (None, None)
    return {field: settings.get(field) for field in (*ROW_FIELDS, "link_lifetime_days")} | {
        **{key: getattr(policy, key) for key in POLICY_KEYS if key != "frequencies"},
        "frequencies": [str(frequency) for frequency in policy.frequencies],
        "settlement_discount_min_pct": low,
        "settlement_discount_max_pct": high,
        **{key: raw.get(key) for key in OPTIONAL_POLICY_KEYS},
        "budget_guidelines": raw.get("budget_guidelines") or {},
        "quick_exit_url": raw.get(QUICK_EXIT_KEY),
        "opening_hours": raw.get(OPENING_HOURS_KEY, DEFAULT_OPENING_HOURS),
    }


def problems(values: dict[str, Any], creditor: Creditor) -> dict[str, str]:
    """What is wrong with these settings, field by field (nothing when they can be saved)."""
    found: dict[str, Any] = {}
    if not (values.get("name") or "").strip():
        found["name"] = _l("Enter the name debtors see")
    elif len(values["name"]) > 200:
        found["name"] = _l("Write 200 characters or fewer")
    found |= _colour_problem(values.get("brand_colour") or "")
    for field, limit in (("phone", 40), ("email", 200), ("website", 200), ("mailing_address", 500)):
        if len(values.get(field) or "") > limit:
            found[field] = lazy_ngettext("Write %(num)d character or fewer", "Write %(num)d characters or fewer", limit)
    email = values.get("email") or ""
    if email and (email.count("@") != 1 or " " in email or "." not in email.split("@")[1]):
        found.setdefault("email", _l("Enter an email address like help@example.com"))
    website = values.get("website") or ""
    if website and not re.fullmatch(r"https://[^\s/]+\.[^\s]+", website):
        found.setdefault("website", _l("Enter a web address starting with https://"))
    if not _secure_address(values.get("quick_exit_url")):
        found["quick_exit_url"] = _l("Enter a web address starting with https://, or leave it empty")
    if values.get("identity_method") not in IDENTITY_METHODS:
        found["identity_method"] = _l("Choose what debtors enter to prove who they are")
    found |= _whole_number_problems(values)
    if not values.get("frequencies") or not set(values["frequencies"]) <= {str(f) for f in Frequency}:
        found["frequencies"] = _l("Choose at least one")
    found |= _discount_problems(values.get("settlement_discount_min_pct"), values.get("settlement_discount_max_pct"))
    return found


#: (field, least, most, message) for the whole numbers; None: no upper limit
_RANGES = (
    ("link_lifetime_days", 1, MAX_LINK_DAYS, _l("Enter a number of days from 1 to %(most)d")),
    ("min_instalment", 1, None, _l("Enter an amount more than 0")),
    ("max_term_months", 1, MAX_TERM_MONTHS, _l("Enter a number of months from 1 to %(most)d")),
    (
        "settlement_instalments_max",
        1,
        MAX_SETTLEMENT_INSTALMENTS,
        _l("Enter a number from 1 to %(most)d, or leave it empty"),
    ),
    ("first_payment_within_days", 0, 365, _l("Enter a number of days from 0 to %(most)d")),
    ("move_payment_later_days", 0, MAX_MOVE_LATER_DAYS, _l("Enter a number of days from 0 to %(most)d")),
    ("missed_payments_to_break", 1, 12, _l("Enter a number from 1 to %(most)d")),
    ("retry_attempts", 0, 5, _l("Enter a number from 0 to %(most)d")),
    ("retry_after_days", 1, 14, _l("Enter a number of days from 1 to %(most)d")),
    ("min_payment", 1, None, _l("Enter an amount more than 0, or leave it empty")),
    ("write_off_approval_above", 0, None, _l("Enter an amount of 0 or more, or leave it empty")),
    ("promise_latest_days", 1, MAX_PROMISE_DAYS, _l("Enter a number of days from 1 to %(most)d, or leave it empty")),
    ("promise_min_amount", 1, None, _l("Enter an amount more than 0, or leave it empty")),
    ("promise_max_open", 1, MAX_OPEN_PROMISES, _l("Enter a number from 1 to %(most)d, or leave it empty")),
)


def _whole_number_problems(values: dict[str, Any]) -> dict[str, str]:
    found = {}
    for field, least, most, message in _RANGES:
        value = values.get(field)
        if value is None and field in OPTIONAL_POLICY_KEYS:
            continue
        if value is None or value < least or (most is not None and value > most):
            found[field] = message % {"most": most} if most is not None else message
    longest = values.get("max_term_months")
    auto = values.get("auto_accept_max_term_months")
    if auto is None or auto < 0 or (longest is not None and auto > longest):
        found["auto_accept_max_term_months"] = _l("Enter a number of months from 0 to the longest plan")
    return found


def _secure_address(address: str | None) -> bool:
    """Empty, or a whole https address of a named site (the quick exit sends a frightened person there)."""
    if not address:
        return True
    if len(address) > 500 or any(character.isspace() for character in address):
        return False
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018  (raises on a port that isn't one)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme == "https" and "." in host and not parts.username and not host.endswith(".")


def _colour_problem(colour: str) -> dict[str, str]:
    if not _COLOUR.fullmatch(colour):
        return {"brand_colour": _l("Enter a colour as # and 6 hexadecimal digits, like #1d4f91")}
    if accent_colour(colour) != colour:
        return {
            "brand_colour": _l(
                "White text on %(colour)s is too hard to read: it needs a contrast of at least 4.5 to 1 "
                "(WCAG AA). Choose a darker colour.",
                colour=colour,
            )
        }
    return {}


def _discount_problems(low: int | None, high: int | None) -> dict[str, str]:
    if low is None and high is None:
        return {}
    if high is None:
        return {"settlement_discount_max_pct": _l("Enter the largest discount too, or leave both empty")}
    if low is None:
        return {"settlement_discount_min_pct": _l("Enter the smallest discount too, or leave both empty")}
    if not 0 <= high < 100:
        return {"settlement_discount_max_pct": _l("Enter a percentage from 0 to 99")}
    if not 0 <= low <= high:
        return {"settlement_discount_min_pct": _l("Enter a percentage from 0 to the largest discount")}
    return {}


def parse_guidelines(text: str, creditor: Creditor, parse_amount) -> tuple[dict[str, dict[str, int]], str | None]:
    """Guideline figures from lines of "item household amount" ("food persons:2 450"): the item a line or
    section of the creditor's budget, the household as portal.budget.engine.guideline_for reads it, the
    amount a month as people type it (`parse_amount` gives minor units or None). Returns (figures, problem)."""
    structure = load_structure(creditor.jurisdiction)
    ids = {section.id for section in structure.sections} | {
        line.id for section in structure.sections for line in section.lines
    }
    figures: dict[str, dict[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        amount = parse_amount(parts[2]) if len(parts) == 3 else None
        if len(parts) != 3 or parts[0] not in ids or not _HOUSEHOLD.fullmatch(parts[1]) or amount is None:
            return figures, _l(
                'Line %(number)d: write a budget item, a household and a monthly amount, like "food persons:2 450"',
                number=number,
            )
        if amount < 0:
            return figures, _l("Line %(number)d: enter an amount of 0 or more", number=number)
        figures.setdefault(parts[0], {})[parts[1]] = amount
    return figures, None


def change_settings(
    creditor: Creditor, values: dict[str, Any], *, staff: StaffUser, now: datetime, based_on: int | None = None
):
    """Save `values` (one a field of LABELS, typed) as the creditor's settings and as a new version, if anything
    changed; returns the version, or None when nothing did. Raises SettingsRefused with what to fix.

    `based_on`: the version the form was drawn from. Raises SettingsChangedMeanwhile when a newer one exists, or
    when another save takes the same next number at the same moment (the version's unique number is the claim)."""
    found = problems(values, creditor)
    if found:
        raise SettingsRefused(found)
    before = editable(current_settings(creditor))
    changes = {field: [before[field], values[field]] for field in LABELS if before[field] != values[field]}
    if not changes:
        return None
    number = latest_version(creditor)
    if based_on is not None and based_on != number:
        raise SettingsChangedMeanwhile
    try:
        with db.session.begin_nested():
            if number == 0:
                _add_version(creditor, 1, {}, staff=None, now=now)
                number = 1
            _apply(creditor, values)
            version = _add_version(creditor, number + 1, changes, staff=staff, now=now)
    except IntegrityError:
        raise SettingsChangedMeanwhile from None
    record(
        "creditor.settings_changed",
        actor_type="staff",
        actor_id=staff.id,
        staff_name=staff.first_name,
        staff_role=staff.role,
        creditor=creditor.slug,
        version=version.version,
        changed=list(changes),
    )
    return version


def _apply(creditor: Creditor, values: dict[str, Any]) -> None:
    for field in ROW_FIELDS:
        setattr(creditor, field, values[field])
    creditor.link_lifetime_days = values["link_lifetime_days"]
    policy = {
        key: value
        for key, value in (creditor.policy or {}).items()
        if key not in ("settlement_discount_min_pct", "settlement_discount_max_pct", "settlement_discount_pct")
    }
    policy |= {key: values[key] for key in POLICY_KEYS}
    if values["settlement_discount_max_pct"] is not None:
        policy["settlement_discount_pct"] = [
            values["settlement_discount_min_pct"],
            values["settlement_discount_max_pct"],
        ]
    for key in OPTIONAL_POLICY_KEYS:
        policy.pop(key, None)
        if values[key] is not None:
            policy[key] = values[key]
    policy.pop("budget_guidelines", None)
    if values["budget_guidelines"]:
        policy["budget_guidelines"] = values["budget_guidelines"]
    policy.pop(QUICK_EXIT_KEY, None)
    if values["quick_exit_url"]:
        policy[QUICK_EXIT_KEY] = values["quick_exit_url"]
    policy[OPENING_HOURS_KEY] = values["opening_hours"]
    creditor.policy = policy


def latest_version(creditor: Creditor) -> int:
    """The number of the creditor's newest settings version (0 before the first change)."""
    return db.session.scalar(
        select(func.coalesce(func.max(CreditorSettingsVersion.version), 0)).where(
            CreditorSettingsVersion.creditor_id == creditor.id
        )
    )


def _add_version(creditor: Creditor, number: int, changes: dict, *, staff: StaffUser | None, now: datetime):
    version = CreditorSettingsVersion(
        creditor_id=creditor.id,
        version=number,
        settings=current_settings(creditor),
        changes=changes,
        changed_by_id=staff.id if staff else None,
        changed_by_name=staff.name if staff else None,
        changed_at=now,
    )
    db.session.add(version)
    db.session.flush()
    return version


def history(creditor: Creditor) -> list[CreditorSettingsVersion]:
    """The creditor's versions, newest first."""
    return list(
        db.session.scalars(
            select(CreditorSettingsVersion)
            .where(CreditorSettingsVersion.creditor_id == creditor.id)
            .order_by(CreditorSettingsVersion.version.desc())
        )
    )


def version_of(creditor: Creditor, number: int) -> CreditorSettingsVersion:
    version = db.session.scalar(
        select(CreditorSettingsVersion).where(
            CreditorSettingsVersion.creditor_id == creditor.id, CreditorSettingsVersion.version == number
        )
    )
    if version is None:
        raise NotFoundForOwner(f"no settings version {number} for creditor {creditor.slug}")
    return version
