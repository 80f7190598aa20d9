"""A creditor's API keys, and the answers kept for `Idempotency-Key` retries."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.creditor import Creditor
from portal.models.types import UTCDateTime, utcnow


class ApiKey(db.Model):
    """A key sees only its creditor's data. The secret is shown once and only its hash is kept."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    creditor_id: Mapped[int] = mapped_column(ForeignKey("creditor.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the public part of the key, after its prefix: finds the row without scanning hashes
    lookup: Mapped[str] = mapped_column(String(24), unique=True)
    #: sha256 of the whole key, hex (the key is random and long, so no slow hash is needed)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: recorded at most once a minute, so a busy key does not write on every request
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    creditor: Mapped[Creditor] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiKey {self.lookup}>"


class IdempotentRequest(db.Model):
    """A POST sent with an `Idempotency-Key`: claimed by inserting this row (unique per key), answered from
    it when the same request comes again."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("api_key_id", "idempotency_key", name="uq_idempotent_request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    #: sha256 of method, path, query and body: the same key with another request is refused
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
