"""Staff tools until the staff console exists: `flask circumstances ...` and `flask messages ...`."""

import click
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.help.service import circumstances, messages
from portal.help.service.contact import settings_for
from portal.models import Circumstance, Creditor, Debtor, MessageThread
from portal.staff_commands import find_creditor, operator_name
from portal.transaction import CommandGroup

circumstances_cli = CommandGroup("circumstances", help="Review what debtors told us about their circumstances.")
messages_cli = CommandGroup("messages", help="Read and answer debtors' secure messages.")


def _who(debtor: Debtor) -> str:
    return f"{debtor.creditor.slug} {debtor.reference} {debtor.full_name}"


def _labels(codes: list[str], labels: dict) -> str:
    with force_locale("en"):
        return "; ".join(str(labels.get(code, code)) for code in codes) or "-"


def _contact_notes(debtor: Debtor) -> list[str]:
    """What a person must know before they phone or write: the debtor's own limits on contact."""
    settings = settings_for(debtor)
    notes = []
    if not settings.contact_at_work:
        notes.append("asked not to be contacted at work")
    if settings.email_is_work:
        notes.append("the email address is a work one: we never write to it")
    return notes


def _echo_circumstance(circumstance: Circumstance, debtor: Debtor, fields: frozenset[str]) -> None:
    """One disclosure, showing only the parts `fields` allows (circumstances.visible_to)."""
    click.echo(
        f"{circumstance.id} {circumstance.reference} {circumstance.created_at:%Y-%m-%d %H:%M} "
        f"{circumstance.status} {_who(debtor)}"
    )
    for note in _contact_notes(debtor):
        click.echo(f"    contact: {note}")
    happening = _labels(circumstances.kinds_visible(circumstance.kinds, fields), circumstances.KIND_LABELS)
    if "health_kinds" not in fields and circumstances.HEALTH_KINDS & set(circumstance.kinds):
        happening += " (and something about their health: shown with --with-health-details)"
    click.echo(f"    happening: {happening}")
    click.echo(f"    would help: {_labels(circumstance.helps, circumstances.HELP_LABELS)}")
    if circumstance.details:
        words = circumstance.details if "details" in fields else "(shown with --with-health-details)"
        click.echo(f"    in their words: {words}")
    if circumstance.consent_withdrawn_at:
        click.echo(f"    consent to keep their words withdrawn {circumstance.consent_withdrawn_at:%Y-%m-%d}: deleted")
    elif circumstance.consented_at is None:
        click.echo("    no consent to keep their words: only what they chose is kept")
    click.echo(f"    reminders paused until {circumstance.reminders_paused_until:%Y-%m-%d}")
    if circumstance.status == "reviewed":
        click.echo(f"    reviewed by {circumstance.reviewed_by_name or '-'}: {circumstance.review_note}")


HEALTH_DETAILS_HELP = (
    "Also show health information and the debtor's own words. Needs --creditor; "
    "each disclosure shown is recorded in the audit trail with your name."
)


@circumstances_cli.command("list")
@click.option("--all", "include_reviewed", is_flag=True, help="Include ones already reviewed.")
@click.option("--creditor", "creditor_slug", help="List this creditor's disclosures; without it, only how many wait.")
@click.option("--with-health-details", "with_health", is_flag=True, help=HEALTH_DETAILS_HELP)
def circumstances_list_command(include_reviewed: bool, creditor_slug: str | None, with_health: bool) -> None:
    """List disclosures waiting for review (oldest first), one creditor at a time."""
    if with_health and not creditor_slug:
        raise click.UsageError(
            "--with-health-details needs --creditor SLUG: health details are shown one creditor at a time."
        )
    if not creditor_slug:
        counts = circumstances.review_counts()
        for slug, count in counts:
            click.echo(f"{slug}: {count} to review")
        click.echo(f"{sum(count for _slug, count in counts)} to review.")
        click.echo("Add --creditor SLUG to list a creditor's disclosures.")
        return
    creditor = find_creditor(creditor_slug)
    fields = circumstances.visible_to("supervisor" if with_health else "agent")
    rows = circumstances.review_queue(include_reviewed=include_reviewed, creditor_ids=[creditor.id])
    for circumstance, debtor in rows:
        _echo_circumstance(circumstance, debtor, fields)
        if with_health:
            circumstances.details_shown(circumstance, staff_name=operator_name())
    click.echo(f"{len(rows)} to review." if not include_reviewed else f"{len(rows)} in all.")


@circumstances_cli.command("show")
@click.argument("id_or_reference")
@click.option("--creditor", "creditor_slug", required=True, help="The creditor the disclosure was made to.")
@click.option("--with-health-details", "with_health", is_flag=True, help=HEALTH_DETAILS_HELP)
def circumstances_show_command(id_or_reference: str, creditor_slug: str, with_health: bool) -> None:
    """Show one disclosure."""
    creditor = find_creditor(creditor_slug)
    circumstance = circumstances.find_circumstance(id_or_reference)
    debtor = db.session.get(Debtor, circumstance.debtor_id) if circumstance else None
    if debtor is None or debtor.creditor_id != creditor.id:
        raise click.ClickException(f"No disclosure {id_or_reference!r} for creditor {creditor_slug!r}.")
    _echo_circumstance(circumstance, debtor, circumstances.visible_to("supervisor" if with_health else "agent"))
    if with_health:
        circumstances.details_shown(circumstance, staff_name=operator_name())


@circumstances_cli.command("review")
@click.argument("id_or_reference")
@click.option("--note", required=True, help="What was decided and why, for the next person.")
@click.option("--by", "staff_name", help="Your name, as it should be recorded.")
def circumstances_review_command(id_or_reference: str, note: str, staff_name: str | None) -> None:
    """Mark a disclosure reviewed, with a note."""
    circumstance = circumstances.find_circumstance(id_or_reference)
    if circumstance is None:
        raise click.ClickException(f"No disclosure {id_or_reference!r}.")
    if not note.strip():
        raise click.UsageError("Write a note saying what was decided.")
    try:
        circumstances.review(circumstance, note=note, staff_name=staff_name)
    except circumstances.AlreadyReviewed as error:
        raise click.ClickException(f"{circumstance.reference} was already reviewed.") from error
    click.echo(f"Reviewed {circumstance.reference}.")


@messages_cli.command("list")
@click.option("--waiting", is_flag=True, help="Only conversations where the debtor is waiting for a reply.")
def messages_list_command(waiting: bool) -> None:
    """List conversations, each with its latest message."""
    rows = messages.staff_threads(waiting_only=waiting)
    for thread, debtor in rows:
        state = "WAITING" if thread.last_sender == "debtor" else "answered"
        click.echo(f"{thread.id} {thread.last_message_at:%Y-%m-%d %H:%M} {state} {_who(debtor)}: {thread.subject}")
        for note in _contact_notes(debtor):
            click.echo(f"    contact: {note}")
        latest = messages.messages_in(thread)[-1]
        click.echo(f"    {latest.sender}: {latest.body}")
    click.echo(f"{len(rows)} conversation(s).")


@messages_cli.command("show")
@click.argument("thread_id", type=int)
def messages_show_command(thread_id: int) -> None:
    """Print a whole conversation, oldest first."""
    thread = db.session.get(MessageThread, thread_id)
    if thread is None:
        raise click.ClickException(f"No conversation {thread_id}.")
    for note in _contact_notes(db.session.get(Debtor, thread.debtor_id)):
        click.echo(f"contact: {note}\n")
    for message in messages.messages_in(thread):
        who = (message.staff_name or "staff") if message.sender == "staff" else "debtor"
        click.echo(f"{message.created_at:%Y-%m-%d %H:%M} {who}:\n{message.body}\n")


def _debtor(reference: str, creditor_slug: str | None) -> Debtor:
    query = select(Debtor).where(Debtor.reference == reference)
    if creditor_slug:
        query = query.join(Creditor).where(Creditor.slug == creditor_slug)
    found = list(db.session.scalars(query.limit(2)))
    if not found:
        raise click.ClickException(f"No conversation or debtor {reference!r}.")
    if len(found) > 1:
        raise click.UsageError(f"More than one debtor is {reference!r}: add --creditor.")
    return found[0]


@messages_cli.command("reply")
@click.argument("thread_or_debtor")
@click.option("--text", required=True, help="The reply the debtor will read.")
@click.option("--by", "staff_name", help="Your first name, shown to the debtor beside the reply.")
@click.option("--creditor", "creditor_slug", help="The creditor's slug, when a debtor reference is not unique.")
@click.option("--subject", help="Start a new conversation with this subject instead of replying to the latest.")
def messages_reply_command(
    thread_or_debtor: str, text: str, staff_name: str | None, creditor_slug: str | None, subject: str | None
) -> None:
    """Reply in a conversation (by its number), or write to a debtor (by their reference)."""
    if not text.strip():
        raise click.UsageError("Write the reply in --text.")
    if thread_or_debtor.isdigit():
        thread = db.session.get(MessageThread, int(thread_or_debtor))
        if thread is None:
            raise click.ClickException(f"No conversation {thread_or_debtor}.")
        messages.reply_as_staff(thread, text, staff_name=staff_name)
    else:
        debtor = _debtor(thread_or_debtor, creditor_slug)
        threads = messages.threads_for(debtor)
        if threads and not subject:
            thread = threads[0]
            messages.reply_as_staff(thread, text, staff_name=staff_name)
        else:
            thread = messages.start_thread_as_staff(debtor, subject or "", text, staff_name=staff_name)
    click.echo(f"Sent in conversation {thread.id}.")
