"""`flask plans ...`: the staff side of proposals and pause requests, until the staff console has it."""

from collections.abc import Callable

import click

from portal import clock
from portal.extensions import db
from portal.models import Debtor, Plan
from portal.money import format_money
from portal.plans import review
from portal.staff_commands import operator_name
from portal.transaction import CommandGroup

plans_cli = CommandGroup("plans", help="Proposals and pause requests waiting for a person: list, approve, decline.")


def _money(plan: Plan, minor: int) -> str:
    return format_money(minor, plan.currency, "en")


@plans_cli.command("waiting")
def waiting_command() -> None:
    """Proposals and pause requests waiting for a person, the soonest promised answer first."""
    found = review.waiting()
    for plan in found:
        debtor = db.session.get(Debtor, plan.debtor_id)
        account = plan.account
        who = f"{debtor.creditor.slug}/{debtor.reference} {debtor.full_name}  account {account.reference}"
        if review.is_pause_request(plan):
            click.echo(f"{plan.reference}  answer by {plan.review_by}  {who}  pause of {plan.pause_months} month(s)")
            if plan.pause_reason:
                click.echo(f"    in their words: {plan.pause_reason}")
            continue
        amount = _money(plan, plan.proposed_amount or plan.instalment_amount)
        click.echo(f"{plan.reference}  answer by {plan.review_by}  {who}  proposal")
        click.echo(
            f"    {amount} {plan.frequency} from {plan.first_date}: {len(plan.instalments)} payment(s), "
            f"{_money(plan, plan.total)} in all; owed {_money(plan, plan.balance_at_start)}"
        )
        reasons = ", ".join(reason["code"] for reason in plan.review_reasons) or "-"
        budget = f"; budget {plan.budget_id}" if plan.budget_id else ""
        click.echo(f"    outside the policy: {reasons}{budget}")
    click.echo(f"{len(found)} waiting.")


def _decide(reference: str, decide: Callable[..., Plan], note: str | None, by: str | None) -> Plan:
    plan = review.find(reference)
    if plan is None:
        raise click.ClickException(f"No plan {reference!r}.")
    debtor = db.session.get(Debtor, plan.debtor_id)
    try:
        return decide(plan, by=by or operator_name(), note=note, today=clock.today_for(debtor))
    except review.ReviewError as error:
        raise click.ClickException(str(error)) from error


_NOTE_HELP = "What you decided and why, in words the debtor will read."
_BY_HELP = "Your name (default $PORTAL_STAFF_NAME or $USER)."


@plans_cli.command("approve")
@click.argument("reference")
@click.option("--note", help=_NOTE_HELP)
@click.option("--by", "by", help=_BY_HELP)
def approve_command(reference: str, note: str | None, by: str | None) -> None:
    """Agree a proposal: the debtor can then agree it and save a card."""
    plan = _decide(reference, review.approve_proposal, note, by)
    first = plan.instalments[0]
    click.echo(f"{plan.reference}: approved; first payment {_money(plan, first.amount)} on {first.due_date}.")


@plans_cli.command("decline")
@click.argument("reference")
@click.option("--note", required=True, help=_NOTE_HELP)
@click.option("--by", "by", help=_BY_HELP)
def decline_command(reference: str, note: str, by: str | None) -> None:
    """Say no to a proposal; the debtor can set up another plan."""
    plan = _decide(reference, review.decline_proposal, note, by)
    click.echo(f"{plan.reference}: declined; account {plan.account.reference} is free for another plan.")


@plans_cli.command("approve-pause")
@click.argument("reference")
@click.option("--note", help=_NOTE_HELP)
@click.option("--by", "by", help=_BY_HELP)
def approve_pause_command(reference: str, note: str | None, by: str | None) -> None:
    """Pause a plan: the payments still to come move on by the months asked for."""
    plan = _decide(reference, review.approve_pause, note, by)
    upcoming = [i for i in plan.instalments if i.status == "scheduled"]
    after = f"; next payment on {min(i.collect_on for i in upcoming)}" if upcoming else ""
    click.echo(f"{plan.reference}: paused for {plan.pause_months} month(s){after}.")


@plans_cli.command("decline-pause")
@click.argument("reference")
@click.option("--note", required=True, help=_NOTE_HELP)
@click.option("--by", "by", help=_BY_HELP)
def decline_pause_command(reference: str, note: str, by: str | None) -> None:
    """Say no to a pause; payments carry on as they were."""
    plan = _decide(reference, review.decline_pause, note, by)
    click.echo(f"{plan.reference}: pause declined; payments carry on.")
