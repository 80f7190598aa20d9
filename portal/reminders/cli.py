"""`flask reminders send`: link reminders for creditors that let the portal send them (cron, daily)."""

import click

from portal.reminders.service import NotSending, send_reminders
from portal.transaction import CommandGroup

reminders_cli = CommandGroup("reminders", help="Link reminders the portal sends for creditors (email and SMS).")


def _summary(counts) -> str:
    return ", ".join(f"{what} {count}" for what, count in sorted(counts.items())) or "nothing to do"


@reminders_cli.command("send")
@click.option("--campaign", help="Name the links after this campaign (the creditor's reports group by it).")
@click.option("--creditor", "slug", help="Only this creditor's debtors (by slug); default: every creditor opted in.")
def send_command(campaign: str | None, slug: str | None) -> None:
    """Remind each debtor with a balance, by the creditor's channels the debtor allows; safe on several
    machines at once."""
    try:
        report = send_reminders(campaign=campaign, creditor_slug=slug)
    except NotSending as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Reminders: {_summary(report.counts)}; messages: {_summary(report.messages)}.")
