"""Someone you trust to help: a debtor invites a debt adviser, a carer or family; they see what the debtor allowed.

Rooms: views.py (the debtor's page and the helper's way in), forms.py, service.py, access.py (what a signed-in
helper may do, page by page), messages.py (their emails), words.py.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.trusted import access, messages  # noqa: F401  (messages registers the outbox templates)
    from portal.trusted.views import bp, helping
    from portal.trusted.words import relationship_label

    access.init_app(app)
    app.register_blueprint(bp)
    app.register_blueprint(helping)
    app.add_template_global(relationship_label)
