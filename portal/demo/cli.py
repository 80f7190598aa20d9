"""`flask demo seed`: load the demo data and print a link for each demo debtor."""

import click
from flask import current_app

from portal.demo.service import seed
from portal.transaction import CommandGroup

demo_cli = CommandGroup("demo", help="Demo data for trying the portal.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Load the demo creditors and debtors (once), then print a fresh link for each debtor."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException(
            "The demo loads made-up debtors and prints links that sign in as them: "
            "it does not run with PORTAL_ENV=production."
        )
    for line in seed():
        click.echo(line)
