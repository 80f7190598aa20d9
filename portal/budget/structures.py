"""Budget structures: the sections and lines of an income & expenditure statement, loaded from data.

The categories live in ``structures/<jurisdiction>.json`` so that a change to the Standard
Financial Statement or to the IRS Collection Financial Standards is a data change, not a code change.
"""

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any

_ID = re.compile(r"[a-z][a-z0-9_]*")
_JURISDICTION = re.compile(r"[A-Z]{2}")


class Kind(StrEnum):
    """What a section's money is: the UK uses income/fixed/flexible/savings, the US income/expense."""

    INCOME = "income"
    FIXED = "fixed"
    FLEXIBLE = "flexible"
    SAVINGS = "savings"
    EXPENSE = "expense"

    @property
    def is_outgoing(self) -> bool:
        """Everything but income leaves the household, savings included (the SFS sets savings aside first)."""
        return self is not Kind.INCOME


#: quick budget items are grouped into these sections, so the quick budget is summarised like the long one
_QUICK_SECTIONS = {Kind.INCOME: ("quick_income", "Income"), Kind.EXPENSE: ("quick_outgoings", "Outgoings")}


@dataclass(frozen=True)
class Line:
    """One amount the debtor can fill in; ``id`` is stable (stored, and keyed by guidelines), ``label`` is shown."""

    id: str
    label: str


@dataclass(frozen=True)
class Section:
    id: str
    label: str
    kind: Kind
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Structure:
    """A jurisdiction's statement; ids are unique across sections and lines, so a guideline can name either."""

    jurisdiction: str
    sections: tuple[Section, ...]
    #: the short version for people who won't fill in a long form (None on the short version itself)
    quick: "Structure | None" = None
    #: True for the quick budget: its totals are an estimate and are shown as one
    estimate: bool = False


@cache
def load_structure(jurisdiction: str) -> Structure:
    """The structure for "UK" or "US", read once per process; unknown jurisdictions are a ValueError."""
    if not _JURISDICTION.fullmatch(jurisdiction):
        raise ValueError(f"not a jurisdiction code: {jurisdiction!r}")
    resource = files("portal.budget").joinpath("structures", f"{jurisdiction.lower()}.json")
    if not resource.is_file():
        raise ValueError(f"no budget structure for {jurisdiction}")
    structure = parse_structure(json.loads(resource.read_text(encoding="utf-8")))
    if structure.jurisdiction != jurisdiction:
        raise ValueError(f"{jurisdiction.lower()}.json describes {structure.jurisdiction}")
    return structure


def parse_structure(data: dict[str, Any]) -> Structure:
    """Build and check a structure from its JSON form, refusing anything a form could not render safely."""
    jurisdiction = _text(data["jurisdiction"], "jurisdiction")
    sections = tuple(_section(item) for item in data["sections"])
    _check_unique(sections)
    return Structure(jurisdiction=jurisdiction, sections=sections, quick=_quick_structure(jurisdiction, data["quick"]))


def _quick_structure(jurisdiction: str, items: list[dict[str, Any]]) -> Structure:
    grouped: dict[Kind, list[Line]] = {}
    for item in items:
        kind = Kind(item["kind"])
        if kind not in _QUICK_SECTIONS:
            raise ValueError(f"quick item {item['id']!r} must be income or expense, not {kind}")
        grouped.setdefault(kind, []).append(_line(item))
    sections = tuple(
        Section(id=_QUICK_SECTIONS[kind][0], label=_QUICK_SECTIONS[kind][1], kind=kind, lines=tuple(lines))
        for kind, lines in grouped.items()
    )
    _check_unique(sections)
    return Structure(jurisdiction=jurisdiction, sections=sections, estimate=True)


def _section(item: dict[str, Any]) -> Section:
    lines = tuple(_line(line) for line in item["lines"])
    if not lines:
        raise ValueError(f"section {item['id']!r} has no lines")
    return Section(id=_id(item["id"]), label=_text(item["label"], item["id"]), kind=Kind(item["kind"]), lines=lines)


def _line(item: dict[str, Any]) -> Line:
    return Line(id=_id(item["id"]), label=_text(item["label"], item["id"]))


def _id(value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValueError(f"ids are lower_snake_case: {value!r}")
    return value


def _text(value: Any, owner: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{owner!r} needs a label")
    return value


def _check_unique(sections: tuple[Section, ...]) -> None:
    seen: set[str] = set()
    for item_id in [section.id for section in sections] + [line.id for section in sections for line in section.lines]:
        if item_id in seen:
            raise ValueError(f"id {item_id!r} is used twice")
        seen.add(item_id)
