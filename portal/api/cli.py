"""`flask apikey create|revoke|list`: a creditor's API keys from the command line (admins also have the console)."""

import click
from sqlalchemy import select

from portal.api import keys
from portal.extensions import db
from portal.models import ApiKey, Creditor
from portal.staff_commands import find_creditor, operator_name
from portal.transaction import CommandGroup

apikey_cli = CommandGroup("apikey", help="Creditor API keys: create (shown once), revoke, list.")


@apikey_cli.command("create")
@click.option("--creditor", "creditor_slug", required=True, help="The creditor's slug.")
@click.option("--name", default="Command line", show_default=True, help="What the key is for.")
def create_command(creditor_slug: str, name: str) -> None:
    """Make a key and print it: it is shown this once, and only its hash is kept."""
    row, key = keys.create_key(find_creditor(creditor_slug), name=name, by=operator_name())
    click.echo(f"API key {row.lookup} for {creditor_slug} ({name}); keep it now, it is not shown again:")
    click.echo(key)


@apikey_cli.command("revoke")
@click.argument("lookup")
def revoke_command(lookup: str) -> None:
    """Revoke a key by its id (the part after pk_live_, as `list` shows it)."""
    row = db.session.scalar(select(ApiKey).where(ApiKey.lookup == lookup))
    if row is None:
        raise click.ClickException(f"No API key {lookup!r}.")
    keys.revoke(row, by=operator_name())
    click.echo(f"Revoked API key {lookup}.")


@apikey_cli.command("list")
@click.option("--creditor", "creditor_slug", help="Only this creditor's keys.")
def list_command(creditor_slug: str | None) -> None:
    """Every key: id, creditor, name, created, last used, revoked."""
    creditors = [find_creditor(creditor_slug)] if creditor_slug else list(db.session.scalars(select(Creditor)))
    for row in keys.keys_of(creditor.id for creditor in creditors):
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        click.echo(
            f"{row.lookup}  {row.creditor.slug}  {row.name}  created {row.created_at:%Y-%m-%d}  used {used}  {state}"
        )
