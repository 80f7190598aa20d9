"""A creditor or collection agency: who the debtor owes, with its rules and look."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, one_of, utcnow


class IdentityMethod(StrEnum):
    DATE_OF_BIRTH = "date_of_birth"
    POSTCODE = "postcode"


IDENTITY_METHODS = tuple(map(str, IdentityMethod))


class Creditor(db.Model):
    __tablename__ = "creditor"
    __table_args__ = (one_of("identity_method", IdentityMethod),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short name used in URLs and on the command line
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: "US" or "UK": selects the rights pack and the budget structure
    jurisdiction: Mapped[str] = mapped_column(String(2))
    #: ISO 4217 code, e.g. "USD"
    currency: Mapped[str] = mapped_column(String(3))
    #: default locale for formatting, e.g. "en_US"
    locale: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    #: "date_of_birth" or "postcode": what a debtor types to prove who they are
    identity_method: Mapped[str] = mapped_column(String(20))
    link_lifetime_days: Mapped[int] = mapped_column(default=30)
    #: True when the creditor is a debt collector (US validation notices say so)
    is_debt_collector: Mapped[bool] = mapped_column(default=False)
    #: plan rules (see portal.plans): minimum instalment, maximum term, ...
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: accent colour as #rrggbb; checked for contrast before use
    brand_colour: Mapped[str] = mapped_column(String(7), default="#1d4f91")
    logo_url: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(200))
    mailing_address: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Creditor {self.slug}>"
