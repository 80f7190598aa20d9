"""A debtor's budget (income & expenditure statement): saved as they go, so they can stop and come back."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, one_of, utcnow


class BudgetMode(StrEnum):
    #: six amounts, shown as an estimate
    QUICK = "quick"
    #: the whole statement, section by section
    FULL = "full"


BUDGET_MODES = tuple(map(str, BudgetMode))


class Budget(db.Model):
    __tablename__ = "budget"
    __table_args__ = (one_of("mode", BudgetMode),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: whose budget it is; every query is scoped to this debtor
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    #: "UK" or "US": the structure (portal/budget/structures) the lines belong to, fixed when started
    jurisdiction: Mapped[str] = mapped_column(String(2))
    #: ISO 4217 code of every amount in `lines`
    currency: Mapped[str] = mapped_column(String(3))
    #: "quick" or "full" (BUDGET_MODES)
    mode: Mapped[str] = mapped_column(String(10))
    #: the household, which selects guideline figures; None until the household step is answered
    adults: Mapped[int | None]
    children: Mapped[int | None]
    vehicles: Mapped[int | None]
    #: {line_id: {"amount": minor units as typed, "frequency": "weekly", ...}}; lines never entered are absent
    lines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: {line_or_section_id: the debtor's words}: why an amount is above the creditor's guideline
    explanations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: how many sections of the full statement have been saved in order (to resume at the next one)
    sections_done: Mapped[int] = mapped_column(default=0)
    #: when the debtor said "yes, that is right" to paying nothing for rent, mortgage or bills with children at
    #: home (portal.budget.engine.nothing_for_the_home_with_children): the question is not asked again
    essentials_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set the first time the debtor reaches the result
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<Budget {self.id} {self.mode}>"
