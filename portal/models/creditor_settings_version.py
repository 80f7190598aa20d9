"""A creditor's settings as they stood after each change made in the console: who changed what, and when."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.append_only import append_only
from portal.models.types import UTCDateTime, utcnow


@append_only
class CreditorSettingsVersion(db.Model):
    """One version of a creditor's settings, never changed: a later change is a later version."""

    __tablename__ = "creditor_settings_version"
    __table_args__ = (UniqueConstraint("creditor_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    #: 1, 2, 3 ... a creditor; version 1 is the settings as they were before the first change in the console
    version: Mapped[int]
    #: every setting after this change (portal.creditors.settings.current_settings)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: {setting: [before, after]} for what this version changed; empty for version 1
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: None for version 1, which nobody in the console made
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    changed_by_name: Mapped[str | None] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
