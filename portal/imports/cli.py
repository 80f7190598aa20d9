"""`flask import accounts FILE.csv --creditor SLUG`: load a creditor's debtors and accounts from a CSV file
(the README's "Loading accounts from a CSV file" names every column; docs/example-accounts.csv is one)."""

import csv
import sys
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import click

from portal import clock
from portal.imports import loader
from portal.imports.links_file import LinksFile
from portal.imports.rows import COLUMNS, Rejected, Rules, check_rows, header_problems
from portal.staff_commands import find_creditor
from portal.transaction import CommandGroup, after_commit, unit_of_work

import_cli = CommandGroup("import", help="Load a creditor's data from files.")

#: rejected rows printed; the reject file has them all
_SHOWN = 20


@import_cli.command("accounts")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--creditor", "creditor_slug", required=True, help="The creditor's slug.")
@click.option(
    "--links-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a link for each debtor to this CSV, with QR codes in a folder beside it.",
)
@click.option("--campaign", help="A name for the reminder the links go in, for counting.")
@click.option(
    "--reject-file",
    type=click.File("w", encoding="utf-8", lazy=False),
    help="Write the rejected rows here, with their line and the reason: fix them and import this file.",
)
@click.option("--batch-size", type=click.IntRange(min=1, max=10_000), default=1000, show_default=True)
def accounts_command(
    file: TextIO,
    creditor_slug: str,
    links_out: Path | None,
    campaign: str | None,
    reject_file: TextIO | None,
    batch_size: int,
) -> None:
    """Create or update debtors and accounts from FILE.csv, one account a row.

    Every row is checked before anything is stored; bad rows are listed (and written to --reject-file)
    and left out, the good ones imported a batch at a time. Importing the same file again changes
    nothing. Exits with status 1 when rows were rejected.
    """
    creditor = find_creditor(creditor_slug)
    rules = Rules(
        identity_method=creditor.identity_method,
        currency=creditor.currency,
        creditor_name=creditor.name,
        is_debt_collector=creditor.is_debt_collector,
        today=clock.now().astimezone(ZoneInfo(creditor.timezone)).date(),  # the day in the creditor's books
    )
    reader = csv.DictReader(file)
    header = reader.fieldnames or []
    if problems := header_problems(header, rules):
        raise click.ClickException(f"{file.name}: {'; '.join(problems)}.")
    if ignored := [column for column in header if column not in COLUMNS]:
        click.echo(f"Ignoring columns: {', '.join(ignored)}.", err=True)
    good, rejected = check_rows(((reader.line_num, row) for row in reader), rules)
    found = loader.existing(creditor, good)
    if refused := loader.conflicts(good, found):
        lines = {row.line for row in refused}
        good = [row for row in good if row.line not in lines]
        rejected = sorted(rejected + refused, key=lambda row: row.line)
    _report(rejected, header, reject_file)

    total = loader.Counts()
    with ExitStack() as stack:
        out = stack.enter_context(LinksFile(links_out)) if links_out else None
        progress = stack.enter_context(click.progressbar(length=len(good), label="Importing", file=sys.stderr))
        for number, batch in enumerate(loader.batches(good, batch_size)):
            with unit_of_work():
                debtor_ids, counts = loader.load(creditor, batch, found)
                if out is not None:
                    after_commit(partial(out.write, loader.links_out(creditor, batch, debtor_ids, campaign, counts)))
            if number == 0:
                with unit_of_work():
                    loader.refresh_statistics()
            total.add(counts)
            progress.update(len(batch))
    click.echo(_summary(len(good), len(rejected), total, links_out))
    if rejected:
        sys.exit(1)


def _report(rejected: list[Rejected], header: list[str], reject_file: TextIO | None) -> None:
    """Say which rows are left out and why; write them all to the reject file, as they were written."""
    for row in rejected[:_SHOWN]:
        click.echo(f"Rejected {row}", err=True)
    if len(rejected) > _SHOWN:
        click.echo(f"... and {len(rejected) - _SHOWN} more rejected row(s).", err=True)
    if reject_file is None:
        return
    columns = [column for column in header if column not in ("line", "reason")]
    writer = csv.DictWriter(reject_file, [*columns, "line", "reason"], extrasaction="ignore")
    writer.writeheader()
    for row in rejected:
        writer.writerow({**row.values, "line": row.line, "reason": f"{row.field}: {row.reason}"})
    reject_file.flush()


def _summary(imported: int, rejected: int, counts: loader.Counts, links_out: Path | None) -> str:
    lines = [
        f"Imported {imported} row(s), rejected {rejected}.",
        f"Debtors: {counts.debtors_added} added, {counts.debtors_updated} updated. "
        f"Accounts: {counts.accounts_added} added, {counts.accounts_updated} updated, "
        f"{counts.itemizations} itemization(s) recorded.",
    ]
    if links_out:
        lines.append(
            f"Links: {counts.links_issued} issued, {counts.links_reused} reused, written to {links_out}"
            f" (QR codes in {links_out.with_name(links_out.stem + '_qr')})."
        )
    return "\n".join(lines)
