"""Tell the creditor something happened: one outbox row, written with the request's commit.

The row is the fact; the creditor hears of it through the API's event feed and, when it has a webhook
endpoint, through a delivery made here in the same transaction (sent by `flask webhooks deliver`).
Payloads are references, amounts, dates, codes and statuses only: never a debtor's own words, a staff
note, or what a disclosure said (a creditor learns that circumstances were disclosed, not which).
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Account, CreditorEvent, Debtor, WebhookDelivery, WebhookEndpoint

#: how long a webhook is retried after its event
DELIVERY_WINDOW = timedelta(hours=24)


def emit(kind: str, *, debtor: Debtor, account: Account | None = None, **data: Any) -> CreditorEvent:
    now = clock.now()
    event = CreditorEvent(
        kind=kind,
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.id,
        account_id=account.id if account else None,
        data=data,
        created_at=now,
    )
    db.session.add(event)
    if db.session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.creditor_id == debtor.creditor_id)):
        db.session.add(
            WebhookDelivery(
                event=event,
                creditor_id=debtor.creditor_id,
                next_attempt_at=now,
                give_up_at=now + DELIVERY_WINDOW,
            )
        )
    return event


def as_json(event: CreditorEvent) -> dict[str, Any]:
    """What a creditor receives: the event named by the creditor's own references for its debtor and account."""
    debtor = db.session.get(Debtor, event.debtor_id) if event.debtor_id else None
    account = db.session.get(Account, event.account_id) if event.account_id else None
    return {
        "id": str(event.id),
        "type": event.kind,
        "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "debtor": debtor.reference if debtor else None,
            "account": account.reference if account else None,
            **event.data,
        },
    }
