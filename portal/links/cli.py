"""`flask links ...`: issue and revoke debtors' magic links, and list requests for a new one."""

import csv
import sys
from datetime import UTC, datetime
from functools import partial
from typing import TextIO

import click

from portal.extensions import db
from portal.links import service
from portal.models import Creditor, LinkRequest, MagicLink
from portal.staff_commands import find_creditor, find_debtor
from portal.transaction import CommandGroup, after_commit, unit_of_work

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


@links_cli.command("issue-many")
@click.option("--creditor", "creditor_slug", required=True, help="The creditor's slug.")
@click.option(
    "--debtors", "references", type=click.File("r", encoding="utf-8"), help="A file of debtor references, one a line."
)
@click.option("--all-without-link", is_flag=True, help="Every debtor of the creditor with no link they can use now.")
@click.option("--out", required=True, type=click.File("w", encoding="utf-8", lazy=False), help="The CSV to write.")
@click.option("--ttl-days", type=click.IntRange(min=1, max=365), help="Days until the links expire.")
@click.option("--campaign", help="A name for the reminder these links go in, for counting.")
@click.option("--batch-size", type=click.IntRange(min=1, max=10_000), default=1000, show_default=True)
def issue_many_command(
    creditor_slug: str,
    references: TextIO | None,
    all_without_link: bool,
    out: TextIO,
    ttl_days: int | None,
    campaign: str | None,
    batch_size: int,
) -> None:
    """Issue a link to each of many debtors, and write "reference,url" lines to a CSV.

    Each batch is stored before its lines are written, so the file only holds links that exist,
    even if a later batch fails. References the creditor does not know are listed, not fatal.
    """
    if (references is not None) == all_without_link:
        raise click.UsageError("Give either --debtors FILE or --all-without-link.")
    creditor = find_creditor(creditor_slug)
    if all_without_link:
        wanted = service.debtors_without_link(creditor)
    else:
        wanted = list(dict.fromkeys(line.strip() for line in references if line.strip()))
    writer = csv.writer(out)
    writer.writerow(["reference", "url"])
    unknown: list[str] = []
    issued = 0
    with click.progressbar(length=len(wanted), label="Issuing links", file=sys.stderr) as progress:
        for start in range(0, len(wanted), batch_size):
            batch = wanted[start : start + batch_size]
            with unit_of_work():
                lines, missing = _issue_batch(creditor, batch, ttl_days, campaign)
                after_commit(partial(writer.writerows, lines))
            issued += len(lines)
            unknown += missing
            progress.update(len(batch))
    out.flush()
    if unknown:
        click.echo(f"No debtor for {len(unknown)} reference(s) at {creditor_slug!r}; no link issued:", err=True)
        for reference in unknown:
            click.echo(f"  {reference}", err=True)
    click.echo(f"Issued {issued} link(s).", err=True)


def _issue_batch(
    creditor: Creditor, references: list[str], ttl_days: int | None, campaign: str | None
) -> tuple[list[tuple[str, str]], list[str]]:
    """Links for one batch: the (reference, url) lines, and the references nobody has."""
    ids = service.debtor_ids(creditor, references)
    known = [reference for reference in references if reference in ids]
    issued = service.issue_links(creditor, [ids[ref] for ref in known], ttl_days=ttl_days, campaign=campaign)
    lines = list(zip(known, service.link_urls([link.token for link in issued]), strict=True))
    return lines, [reference for reference in references if reference not in ids]


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
