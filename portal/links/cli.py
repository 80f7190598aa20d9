"""`flask links ...`: issue and revoke debtors' magic links, and list requests for a new one."""

from datetime import UTC, datetime
from functools import partial

import click

from portal.extensions import db
from portal.links import service
from portal.models import LinkRequest, MagicLink
from portal.staff_commands import find_debtor
from portal.transaction import CommandGroup, after_commit

links_cli = CommandGroup("links", help="Issue and revoke debtors' magic links.")


@links_cli.command("issue")
@click.option("--creditor", "creditor_slug", required=True, help="The creditor's slug.")
@click.option("--debtor", "reference", required=True, help="The debtor's reference at that creditor.")
@click.option("--ttl-days", type=click.IntRange(min=1, max=365), help="Days until the link expires.")
@click.option("--campaign", help="A name for the reminder this link goes in, for counting.")
def issue_command(creditor_slug: str, reference: str, ttl_days: int | None, campaign: str | None) -> None:
    """Print a new link for one debtor."""
    debtor = find_debtor(creditor_slug, reference)
    _, token = service.issue_link(debtor, ttl_days=ttl_days, campaign=campaign)
    after_commit(partial(click.echo, service.link_url(token)))  # only a link that exists is printed


@links_cli.command("revoke")
@click.option("--creditor", "creditor_slug", help="With --debtor: revoke all of that debtor's links.")
@click.option("--debtor", "reference")
@click.option("--link", "token", help="Revoke the one link with this token or URL.")
def revoke_command(creditor_slug: str | None, reference: str | None, token: str | None) -> None:
    """Revoke one link, or every active link of a debtor."""
    if token:
        link = service.find_link(token.rstrip("/").rsplit("/", 1)[-1])
        if link is None:
            raise click.ClickException("That is not a link we issued.")
        links = [link]
    elif creditor_slug and reference:
        debtor = find_debtor(creditor_slug, reference)
        links = list(db.session.scalars(db.select(MagicLink).where(MagicLink.debtor_id == debtor.id)))
    else:
        raise click.UsageError("Give --link, or both --creditor and --debtor.")
    now = datetime.now(UTC)
    active = [link for link in links if link.revoked_at is None]
    for link in active:
        service.revoke_link(link, now)
    click.echo(f"Revoked {len(active)} link(s).")


@links_cli.command("requests")
def requests_command() -> None:
    """List requests for a new link that nobody has handled yet."""
    rows = db.session.scalars(
        db.select(LinkRequest).where(LinkRequest.handled_at.is_(None)).order_by(LinkRequest.created_at)
    )
    for row in rows:
        who = f"debtor {row.debtor_id}" if row.debtor_id else f"unknown: {row.contact}"
        click.echo(f"{row.created_at:%Y-%m-%d %H:%M} {row.reason:8} {who}")
