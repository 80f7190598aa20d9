"""The production entry point: `gunicorn -c gunicorn.conf.py` serves `wsgi:app` (settings from the environment)."""

from portal import create_app

app = create_app()
