"""Magic links: opening one, proving who you are, asking for a new one.

Rooms: views.py, forms.py, service.py (issue, open, check identity, lock), cli.py (`flask links`).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.links.cli import links_cli
    from portal.links.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(links_cli)
