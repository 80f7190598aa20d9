"""Six-digit codes sent to an address to prove that the person reads it (a new contact detail, a helper signing
in): written when their message is, kept only as a keyed hash, and limited in tries.

Each try is claimed in one atomic UPDATE before the code is compared, in a statement that also checks the code
is still live, so a burst of wrong codes through many workers gets MAX_TRIES comparisons between them at most,
on SQLite and PostgreSQL alike. A row that holds a code has `id`, `code_hash`, `expires_at` and `attempts`.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from portal.domain_errors import NotAllowedNow
from portal.extensions import db

#: how long a code works
CODE_MINUTES = 15
#: codes compared for one row, at most
MAX_TRIES = 5


class CodeRefused(NotAllowedNow):
    """The code was not compared, or was wrong. `reason`: "wrong", "expired", "too_many" or "none"."""

    def __init__(self, reason: str, tries_left: int = 0):
        super().__init__(reason)
        self.reason, self.tries_left = reason, tries_left


def write_code(row, purpose: str, *parts: object, now: datetime) -> str:
    """A new code for the row: its hash and expiry are kept, the code itself is returned for the message."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    row.code_hash = keyed_hash(purpose, row.id, *parts, code)
    row.expires_at = now + timedelta(minutes=CODE_MINUTES)
    return code


def keyed_hash(purpose: str, *parts: object) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = ":".join([purpose, *map(str, parts)])
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def claim_try(model, row_id: int, *live) -> int | None:
    """Count one try against a live row; returns the tries made so far, or None when none may be made."""
    return db.session.execute(
        update(model)
        .where(model.id == row_id, *live, model.attempts < MAX_TRIES)
        .values(attempts=model.attempts + 1)
        .returning(model.attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def matches(row, typed: str | None, purpose: str, *parts: object) -> bool:
    """Whether the typed code (spaces ignored) is the row's."""
    code = re.sub(r"\s", "", typed or "")
    return row.code_hash is not None and hmac.compare_digest(keyed_hash(purpose, row.id, *parts, code), row.code_hash)


def use_code(
    row,
    typed: str | None,
    *,
    done: tuple,
    purpose: str,
    parts: tuple,
    now: datetime,
    on_wrong: Callable[[int], None],
) -> None:
    """Compare a typed code with the row's; the right one is used once (the first of `done`, the row's columns
    that say it no longer works, is set to now). Raises CodeRefused; `on_wrong(attempt)` records a wrong one.

    The try is claimed before the code is compared, in one statement that also checks the code is still live,
    so codes racing each other get MAX_TRIES comparisons between them at most, and the right code sent twice at
    once is used once."""
    model = type(row)
    live = (*(column.is_(None) for column in done), model.expires_at > now)
    attempt = claim_try(model, row.id, *live)
    if attempt is None:
        db.session.refresh(row)
        if any(getattr(row, column.key) is not None for column in done):
            raise CodeRefused("none")
        raise CodeRefused("too_many" if row.attempts >= MAX_TRIES else "expired")
    if not matches(row, typed, purpose, *parts):
        on_wrong(attempt)
        tries_left = MAX_TRIES - attempt
        raise CodeRefused("wrong" if tries_left else "too_many", tries_left)
    won = db.session.execute(
        update(model)
        .where(model.id == row.id, *live)
        .values({done[0].key: now})
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:  # the same code, a moment earlier, in another tab
        raise CodeRefused("none")
    db.session.refresh(row)
