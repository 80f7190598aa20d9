"""`flask import accounts`: a creditor's accounts loaded from a CSV file, with a link for each debtor out."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.imports.cli import import_cli

    app.cli.add_command(import_cli)
