"""`flask disputes ...` and `flask holds ...`: the staff side, until the staff console has it."""

from datetime import date
from functools import partial

import click
from flask import current_app

from portal import clock
from portal.extensions import db
from portal.models import Account, Debtor, OutboundMessage
from portal.models.dispute import DISPUTE_OUTCOMES
from portal.models.hold import HOLD_KINDS
from portal.rights import attachments
from portal.rights.service import disputes, holds
from portal.staff_commands import find_debtor, operator_name
from portal.transaction import CommandGroup, after_commit

disputes_cli = CommandGroup(
    "disputes", help="Disputes, original-creditor requests and statute-barred claims: list, resolve, delivered."
)
holds_cli = CommandGroup("holds", help="Breathing Space and creditor pauses: start, end, list, expire.")


def _account(debtor: Debtor, reference: str | None) -> Account | None:
    if reference is None:
        return None
    account = db.session.scalar(
        db.select(Account).where(Account.debtor_id == debtor.id, Account.reference == reference)
    )
    if account is None:
        raise click.ClickException(f"No account {reference!r} for debtor {debtor.reference!r}.")
    return account


# Disputes


@disputes_cli.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Resolved ones too.")
def list_command(include_resolved: bool) -> None:
    """Disputes, requests and claims still to answer or to deliver, oldest first."""
    found = disputes.listing(include_resolved)
    for dispute in found:
        account = dispute.account
        what = {"original_creditor": "original creditor request", "statute_barred": "statute-barred claim"}.get(
            dispute.kind, dispute.reason
        )
        line = (
            f"{dispute.reference}  {dispute.created_at:%Y-%m-%d}  {account.debtor.creditor.slug}/"
            f"{account.debtor.reference}  account {account.reference}  {what}  {dispute.status}"
        )
        if dispute.outcome:
            line += f" ({dispute.outcome})"
        if dispute.attachment_key:
            line += f"  attachment: {dispute.attachment_filename} ({dispute.attachment_content_type})"
        click.echo(line)
        if dispute.details:
            click.echo(f"    {dispute.details}")
    click.echo(f"{len(found)} dispute(s).")


@disputes_cli.command("resolve")
@click.argument("reference")
@click.option("--outcome", required=True, type=click.Choice(DISPUTE_OUTCOMES), help="answered: for a request.")
@click.option("--note", required=True, help="What you found, in words the debtor will read.")
@click.option("--by", "by", help="Your name (default $PORTAL_STAFF_NAME or $USER).")
def resolve_command(reference: str, outcome: str, note: str, by: str | None) -> None:
    """Resolve a dispute (confirmed / corrected / upheld), a statute-barred claim (confirmed: it is not;
    upheld: it is) or answer a request (answered). Collection waits until `delivered` unless upheld."""
    dispute = disputes.find(reference)
    if dispute is None:
        raise click.ClickException(f"No dispute {reference!r}.")
    try:
        disputes.resolve(
            dispute, outcome=outcome, note=note, by=by or operator_name(), today=clock.today_for(dispute.account.debtor)
        )
    except disputes.DisputeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{dispute.reference}: {outcome}; account {dispute.account.reference} is now {dispute.account.status}.")
    if dispute.status == "awaiting_delivery":
        click.echo(
            f"Collection stays paused until the answer reaches the debtor: then run "
            f"`flask disputes delivered {dispute.reference} --by post|email|portal`."
        )


@disputes_cli.command("delivered")
@click.argument("reference")
@click.option("--by", "channel", required=True, type=click.Choice(disputes.DELIVERY_CHANNELS), help="How it was sent.")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="The day it was sent (default today).")
def delivered_command(reference: str, channel: str, on) -> None:
    """Record that the answer (the verification, or the original creditor's name and address) reached
    the debtor: collection may start again, and the debtor is told so."""
    dispute = disputes.find(reference)
    if dispute is None:
        raise click.ClickException(f"No dispute {reference!r}.")
    try:
        message = disputes.record_delivery(
            dispute,
            channel=channel,
            on=on.date() if on else None,
            by=operator_name(),
            today=clock.today_for(dispute.account.debtor),
        )
    except disputes.DisputeError as error:
        raise click.ClickException(str(error)) from error
    account = dispute.account
    click.echo(f"{dispute.reference}: delivered by {channel}; account {account.reference} is now {account.status}.")
    after_commit(partial(_say_what_became_of, message.id))


def _say_what_became_of(message_id: int) -> None:
    """Runs after the outbox tried to send the message (both wait for the command's commit)."""
    state = db.session.get(OutboundMessage, message_id).state
    told = "waiting" if state == "queued" else state
    click.echo(f"The message telling the debtor that collection may start again: {told}.")


@disputes_cli.command("attachment")
@click.argument("reference")
def attachment_command(reference: str) -> None:
    """Print where a dispute's attachment is stored (staff only: no web page serves it to debtors)."""
    dispute = disputes.find(reference)
    if dispute is None or not dispute.attachment_key:
        raise click.ClickException(f"No attachment on {reference!r}.")
    click.echo(attachments.path_for(dispute.attachment_key, current_app.config["UPLOAD_FOLDER"]))


# Holds


@holds_cli.command("start")
@click.option("--creditor", "creditor_slug", required=True)
@click.option("--debtor", "debtor_reference", required=True)
@click.option("--account", "account_reference", help="One account; without it, all the debtor's accounts.")
@click.option("--kind", required=True, type=click.Choice(HOLD_KINDS))
@click.option("--days", type=click.IntRange(min=1), help="Default 60 for breathing_space; none for a crisis.")
@click.option("--note", help="Why, for the record.")
def start_command(
    creditor_slug: str,
    debtor_reference: str,
    account_reference: str | None,
    kind: str,
    days: int | None,
    note: str | None,
) -> None:
    """Put an account, or all of a debtor's accounts, on hold from today."""
    debtor = find_debtor(creditor_slug, debtor_reference)
    account = _account(debtor, account_reference)
    try:
        hold = holds.start_hold(
            debtor,
            kind=kind,
            account=account,
            starts_on=clock.today_for(debtor),
            days=days,
            note=note,
            by=operator_name(),
        )
    except holds.HoldError as error:
        raise click.ClickException(str(error)) from error
    until = f"until {hold.ends_on}" if hold.ends_on else "until it is ended"
    what = f"account {account.reference}" if account else "all accounts"
    click.echo(f"{debtor.reference} ({what}) on {kind} hold from {hold.starts_on} {until}.")


@holds_cli.command("end")
@click.option("--creditor", "creditor_slug", required=True)
@click.option("--debtor", "debtor_reference", required=True)
@click.option("--account", "account_reference", help="Only holds on this account (and all-account holds).")
@click.option("--kind", type=click.Choice(HOLD_KINDS), help="Only holds of this kind.")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day off hold (default today).")
def end_command(creditor_slug: str, debtor_reference: str, account_reference: str | None, kind: str | None, on) -> None:
    """End a debtor's holds: plan dates move on by each hold's length, accounts reopen."""
    debtor = find_debtor(creditor_slug, debtor_reference)
    account = _account(debtor, account_reference)
    day: date = on.date() if on else clock.today_for(debtor)
    found = holds.unfinished(debtor, account, kind)
    if not found:
        raise click.ClickException("No hold to end.")
    for hold in found:
        holds.end_hold(hold, on=day, by=operator_name())
        moved = hold.plan_days_shifted
        click.echo(f"Ended {hold.kind} hold ({hold.starts_on} to {hold.ends_on}); plans moved on {moved} day(s).")


@holds_cli.command("list")
@click.option("--all", "include_finished", is_flag=True, help="Finished ones too.")
def list_holds_command(include_finished: bool) -> None:
    """Holds not yet finished."""
    found = holds.listing(include_finished)
    for hold in found:
        debtor = db.session.get(Debtor, hold.debtor_id)
        what = f"account {db.session.get(Account, hold.account_id).reference}" if hold.account_id else "all accounts"
        until = hold.ends_on.isoformat() if hold.ends_on else "until ended"
        state = "finished" if hold.finished_at else "active"
        click.echo(
            f"{debtor.creditor.slug}/{debtor.reference}  {what}  {hold.kind}  {hold.starts_on} to {until}  {state}"
        )
    click.echo(f"{len(found)} hold(s).")


@holds_cli.command("expire")
def expire_command() -> None:
    """Finish holds whose end has come (`collect` also does this before charging)."""
    finished = holds.expire_due()
    click.echo(f"Finished {len(finished)} hold(s).")
