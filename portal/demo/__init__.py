"""Demo data for trying the portal: service.py loads it, cli.py is `flask demo seed`."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.demo.cli import demo_cli

    app.cli.add_command(demo_cli)
