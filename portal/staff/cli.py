"""`flask staff ...`: create staff users and give them set-up links; in development, show a current TOTP code."""

from functools import partial

import click
from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.config import DEVELOPMENT_ENVIRONMENTS
from portal.domain_errors import DomainError
from portal.extensions import db
from portal.models import StaffUser
from portal.models.staff import STAFF_ROLES
from portal.public_url import public_url
from portal.staff import accounts, totp
from portal.staff_commands import find_creditor, operator_name
from portal.transaction import CommandGroup, after_commit

staff_cli = CommandGroup("staff", help="Staff users of the support console.")


def setup_url(token: str) -> str:
    return public_url("staff.set_up", token=token)


def name_from_email(email: str) -> str:
    """ "sam.carter@agency.example" → "Sam Carter": a name to start with, which an admin can change."""
    words = email.partition("@")[0].replace("_", ".").replace("-", ".").split(".")
    return " ".join(word.capitalize() for word in words if word) or email


def _user(email: str) -> StaffUser:
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No staff user {email!r}.")
    return user


def _say_setup(user: StaffUser, token: str) -> None:
    hours = current_app.config["STAFF_SETUP_HOURS"]
    click.echo(f"{user.email} ({user.role}): set-up link, good for {hours} hours and once:\n{setup_url(token)}")


@staff_cli.command("create")
@click.argument("email")
@click.option("--name", help="Their name as colleagues see it; debtors see the first word. Default: from the email.")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True)
@click.option("--creditor", "creditor_slugs", multiple=True, required=True, help="A creditor they serve (repeat).")
def create_command(email: str, name: str | None, role: str, creditor_slugs: tuple[str, ...]) -> None:
    """Create a staff user and print their one-time set-up link."""
    creditors = [find_creditor(slug) for slug in creditor_slugs]
    name = name or name_from_email(email)
    try:
        user, token = accounts.create_staff(email, name, role, creditors, by=operator_name(), now=clock.now())
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    after_commit(partial(_say_setup, user, token))


@staff_cli.command("set-up-link")
@click.argument("email")
def set_up_link_command(email: str) -> None:
    """A new set-up link (a forgotten password or a lost phone); the old password and authenticator stop working
    once it is used."""
    user = _user(email)
    token = accounts.new_setup_token(user, now=clock.now())
    after_commit(partial(_say_setup, user, token))


@staff_cli.command("end-sessions")
@click.argument("email")
def end_sessions_command(email: str) -> None:
    """Sign a staff user out everywhere."""
    user = _user(email)
    count = accounts.end_sessions(user.id, reason="ended_by_admin", now=clock.now())
    click.echo(f"{user.email}: {count} session(s) ended.")


@staff_cli.command("list")
def list_command() -> None:
    """Every staff user, their role and creditors."""
    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.email)):
        creditors = ", ".join(creditor.slug for creditor in user.creditors)
        state = "active" if user.active and user.is_set_up else "not set up" if user.active else "deactivated"
        click.echo(f"{user.email:40} {user.role:10} {state:11} {creditors}")


@staff_cli.command("totp")
@click.argument("email")
def totp_command(email: str) -> None:
    """Print a staff user's current code (development and the demo only)."""
    if current_app.config["PORTAL_ENV"] not in DEVELOPMENT_ENVIRONMENTS:
        raise click.ClickException("Only in development: in production a code comes from the person's phone.")
    user = _user(email)
    if user.totp_secret is None:
        raise click.ClickException(f"{user.email} has not finished setting up.")
    click.echo(totp.current_code(user.totp_secret, clock.now()))
