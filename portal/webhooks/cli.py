"""`flask webhooks deliver`, for cron (every minute)."""

import click
from flask import Flask

from portal.transaction import CommandGroup
from portal.webhooks import delivery

webhooks_cli = CommandGroup("webhooks", help="Signed webhooks to creditors' receivers.")


@webhooks_cli.command("deliver")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=60),
    default=delivery.TIMEOUT,
    show_default=True,
    help="Seconds to wait for each receiver.",
)
def deliver_command(timeout: float) -> None:
    """Send every creditor event that is due to its creditor's webhook address (safe to run on several machines)."""
    counts = delivery.deliver(timeout=timeout)
    summary = ", ".join(f"{what} {count}" for what, count in sorted(counts.items())) or "nothing to do"
    click.echo(f"Webhooks: {summary}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(webhooks_cli)
