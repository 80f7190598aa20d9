"""What every staff command needs: who is running it, for the audit trail, and the creditor or debtor it names."""

import os

import click

from portal.extensions import db
from portal.models import Creditor, Debtor


def operator_name() -> str:
    """Who is running a staff command, for the audit trail, until staff sign in to a console."""
    return os.environ.get("PORTAL_STAFF_NAME") or os.environ.get("USER") or "operator"


def find_creditor(slug: str) -> Creditor:
    creditor = db.session.scalar(db.select(Creditor).where(Creditor.slug == slug))
    if creditor is None:
        raise click.ClickException(f"No creditor {slug!r}.")
    return creditor


def find_debtor(creditor_slug: str, reference: str) -> Debtor:
    debtor = db.session.scalar(
        db.select(Debtor).join(Creditor).where(Creditor.slug == creditor_slug, Debtor.reference == reference)
    )
    if debtor is None:
        raise click.ClickException(f"No debtor {reference!r} for creditor {creditor_slug!r}.")
    return debtor
