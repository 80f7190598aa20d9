"""Tell the creditor something happened: one outbox row, written with the request's commit."""

from typing import Any

from portal.extensions import db
from portal.models import Account, CreditorEvent, Debtor


def emit(kind: str, *, debtor: Debtor, account: Account | None = None, **data: Any) -> CreditorEvent:
    event = CreditorEvent(
        kind=kind,
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.id,
        account_id=account.id if account else None,
        data=data,
    )
    db.session.add(event)
    return event
