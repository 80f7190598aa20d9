"""`flask --app portal collect`, `remind`, `promises run`, `helpers run` and `outbox`: the jobs, for cron."""

from datetime import UTC, date, datetime

import click
from flask import Flask

from portal import outbox
from portal.jobs.collect import collect
from portal.jobs.remind import remind
from portal.payments.gateway import GatewayError, get_gateway
from portal.transaction import CommandGroup


def _now_option(verb: str):
    """--now for a job, to run it as if it were another time (the demo and tests move the clock)."""
    return click.option(
        "--now",
        type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
        help=f"{verb} as if it were this time (UTC), e.g. 2026-12-01T10:00; default: now.",
    )


def _summary(counts) -> str:
    return ", ".join(f"{what} {count}" for what, count in sorted(counts.items())) or "nothing to do"


@click.command("collect")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Collect as if it were this day (YYYY-MM-DD) for everyone; default: each debtor's own date.",
)
def collect_command(today: datetime | None) -> None:
    """Charge every plan instalment due today or earlier and not paid yet, once."""
    try:
        gateway = get_gateway()
    except GatewayError as error:
        raise click.ClickException(f"Card payments are not configured: {error}") from error
    day: date | None = today.date() if today else None
    report = collect(gateway, today=day)
    for line in report.lines:
        click.echo(line)
    click.echo(f"Collected: {_summary(report.counts)}.")


@click.command("remind")
@_now_option("Remind")
@click.option(
    "--days-before",
    type=click.IntRange(min=1, max=14),
    default=3,
    show_default=True,
    help="Remind this many days before each payment.",
)
def remind_command(now: datetime | None, days_before: int) -> None:
    """Remind the debtor before each plan payment, by the channel they chose (only in their contact hours)."""
    report = remind(now.replace(tzinfo=UTC) if now else None, days_before)
    click.echo(f"Reminders: {_summary(report.counts)}; messages: {_summary(report.messages)}.")


outbox_cli = CommandGroup("outbox", help="Messages to debtors: every email goes through here, past the gate.")


@outbox_cli.command("send")
def send_command() -> None:
    """Send every queued message that is due, where the gate allows it now (cron, every few minutes)."""
    click.echo(f"Messages: {_summary(outbox.deliver())}.")


@outbox_cli.command("purge")
def purge_command() -> None:
    """Remove message records older than each creditor's retention period (cron, daily)."""
    removed = outbox.purge_records()
    click.echo(f"Removed {removed} message record(s) past their retention period.")


promises_cli = click.Group("promises", help="Promises to pay: kept, broken, and reminded the day before.")


@promises_cli.command("run")
@_now_option("Run")
def promises_run_command(now: datetime | None) -> None:
    """Mark promises kept or broken and queue the reminders due tomorrow (cron, every hour)."""
    from portal.promises.job import run

    report = run(now.replace(tzinfo=UTC) if now else None)
    click.echo(f"Promises: {_summary(report.counts)}; messages: {_summary(report.messages)}.")


helpers_cli = click.Group("helpers", help="Someone the debtor trusts to help: access that runs out, and the warning.")


@helpers_cli.command("run")
@_now_option("Run")
def helpers_run_command(now: datetime | None) -> None:
    """End helpers' access that has run out and tell debtors a week before it does (cron, daily)."""
    from portal.trusted.job import run

    report = run(now.replace(tzinfo=UTC) if now else None)
    click.echo(f"Helpers: {_summary(report.counts)}; messages: {_summary(report.messages)}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(promises_cli)
    app.cli.add_command(helpers_cli)
    app.cli.add_command(collect_command)
    app.cli.add_command(remind_command)
    app.cli.add_command(outbox_cli)
