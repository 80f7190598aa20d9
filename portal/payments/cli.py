"""`flask --app portal payments ...`: settle payments whose webhooks never came; set up the demo's localstripe."""

from datetime import timedelta

import click
from flask import current_app

from portal.payments import localstripe
from portal.payments.gateway import GatewayError, get_gateway
from portal.payments.reconcile import reconcile
from portal.transaction import CommandGroup

payments_cli = CommandGroup("payments", help="Card payments: reconcile with Stripe.")


@payments_cli.command("reconcile")
@click.option(
    "--older-than",
    "minutes",
    type=click.IntRange(min=0),
    help="Only payments unsettled for at least this many minutes (default PAYMENT_RECONCILE_AFTER_MINUTES).",
)
def reconcile_command(minutes: int | None) -> None:
    """Ask Stripe about every unsettled payment and record what happened; send receipts that never went."""
    if minutes is None:
        minutes = current_app.config["PAYMENT_RECONCILE_AFTER_MINUTES"]
    older_than = timedelta(minutes=minutes)
    try:
        gateway = get_gateway()
    except GatewayError as error:
        raise click.ClickException(f"Card payments are not configured: {error}") from error
    changes = reconcile(gateway, older_than)
    for change in changes:
        click.echo(f"{change.reference}: {change.before} -> {change.after}")
    click.echo(f"Reconciled {len(changes)} payment(s).")


@payments_cli.command("localstripe-webhook")
@click.option("--wait", default=20.0, show_default=True, help="Seconds to wait for localstripe to start.")
def localstripe_webhook_command(wait: float) -> None:
    """Wait for the local localstripe (STRIPE_API_BASE) and send its webhooks to this portal."""
    config = current_app.config
    if not config.get("STRIPE_WEBHOOK_SECRET"):
        raise click.ClickException("Set STRIPE_WEBHOOK_SECRET first.")
    base = config["STRIPE_API_BASE"]
    url = config["PUBLIC_BASE_URL"].rstrip("/") + "/stripe/webhook"
    try:
        localstripe.wait_until_up(base, timeout=wait)
        localstripe.register_webhook(base, "portal", url, config["STRIPE_WEBHOOK_SECRET"])
    except (TimeoutError, ValueError, RuntimeError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"localstripe at {base} sends webhooks to {url}")
