"""Jurisdiction packs: what a debtor's rights page says, loaded from ``packs/<jurisdiction>.json``.

A pack is data (sections of paragraphs and lists, and the advice organisations with their phone
numbers and websites), so that a change in the law or a new phone number is a data change. The
English text in a pack is the message id; ``portal.rights.texts`` lists every one for translation.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

_ID = re.compile(r"[a-z][a-z0-9_-]*")
BLOCK_KINDS = ("p", "ul", "organisations", "accounts")


class UnknownJurisdiction(LookupError):
    """No pack for this jurisdiction."""


@dataclass(frozen=True)
class Organisation:
    """Somewhere to get free help, or to complain to."""

    id: str
    name: str
    about: str
    phone: str
    #: free to call from a landline or mobile in the country
    free_call: bool
    url: str
    #: the address as people read it, e.g. "moneyhelper.org.uk"
    site: str

    @property
    def tel(self) -> str:
        """The number for a tel: link (digits only: phones in the country dial it as it is)."""
        return re.sub(r"\D", "", self.phone)


#: what each of the debtor's accounts links to in an "accounts" block (true: the pack's usual page)
ACCOUNT_LINKS = ("dispute", "statute_barred")


@dataclass(frozen=True)
class Block:
    """A paragraph ("p"), a list ("ul"), a list of organisations, or the debtor's accounts ("accounts")."""

    kind: str
    text: str | None = None
    items: tuple[str, ...] = ()
    organisations: tuple[Organisation, ...] = ()
    #: "accounts" only: where each account links, one of ACCOUNT_LINKS
    links: str = "dispute"


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Pack:
    jurisdiction: str
    #: the law the pack explains, named in the page's caption
    law: str
    intro: str
    sections: tuple[Section, ...]
    organisations: dict[str, Organisation]
    #: US only: {"cfpb_url", "cfpb_site"} for the validation notice
    validation: dict[str, str]
    #: the free advice named in every hard message (a missed payment, a plan ended), in order
    advice: tuple[Organisation, ...] = ()

    def texts(self) -> list[str]:
        """Every English text in the pack that a reader sees (for the translation list)."""
        found = [self.law, self.intro]
        for section in self.sections:
            found.append(section.heading)
            for block in section.blocks:
                found += [block.text] if block.text else list(block.items)
        found += [organisation.about for organisation in self.organisations.values()]
        return found


def _block(raw: dict[str, Any], organisations: dict[str, Organisation]) -> Block:
    (kind,) = raw.keys()
    if kind == "p":
        return Block("p", text=raw["p"])
    if kind == "ul":
        return Block("ul", items=tuple(raw["ul"]))
    if kind == "organisations":
        return Block("organisations", organisations=tuple(organisations[name] for name in raw["organisations"]))
    if kind == "accounts":
        links = "dispute" if raw["accounts"] is True else raw["accounts"]
        if links not in ACCOUNT_LINKS:
            raise ValueError(f"unknown account links {links!r}; expected true or one of {ACCOUNT_LINKS}")
        return Block("accounts", links=links)
    raise ValueError(f"unknown block {kind!r}; expected one of {BLOCK_KINDS}")


def parse_pack(raw: dict[str, Any]) -> Pack:
    organisations = {key: Organisation(id=key, **value) for key, value in raw["organisations"].items()}
    sections = []
    for section in raw["sections"]:
        if not _ID.fullmatch(section["id"]):
            raise ValueError(f"bad section id {section['id']!r}")
        blocks = tuple(_block(block, organisations) for block in section["blocks"])
        sections.append(Section(id=section["id"], heading=section["heading"], blocks=blocks))
    ids = [section.id for section in sections]
    if len(ids) != len(set(ids)):
        raise ValueError("section ids must be unique")
    return Pack(
        jurisdiction=raw["jurisdiction"],
        law=raw["law"],
        intro=raw["intro"],
        sections=tuple(sections),
        organisations=organisations,
        validation=raw.get("validation", {}),
        advice=tuple(organisations[name] for name in raw.get("advice_in_messages", [])),
    )


@cache
def load_pack(jurisdiction: str) -> Pack:
    """The pack for "US" or "UK"."""
    if not re.fullmatch(r"[A-Z]{2}", jurisdiction or ""):
        raise UnknownJurisdiction(jurisdiction)
    resource = files("portal.rights").joinpath("packs", f"{jurisdiction.lower()}.json")
    if not resource.is_file():
        raise UnknownJurisdiction(jurisdiction)
    return parse_pack(json.loads(resource.read_text(encoding="utf-8")))


def advice_in_messages(jurisdiction: str) -> tuple[Organisation, ...]:
    """Free, independent debt advice to name in hard messages; none for a country without a pack."""
    try:
        return load_pack(jurisdiction).advice
    except UnknownJurisdiction:
        return ()


def all_packs() -> list[Pack]:
    return [load_pack(jurisdiction) for jurisdiction in ("UK", "US")]
