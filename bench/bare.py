"""The bare route the throughput bench compares pages with: one Flask route that answers "ok", and nothing
else of the portal. bench/throughput.py serves it with the portal's gunicorn settings
(`gunicorn -c gunicorn.conf.py bench.bare:app`); it is never part of the portal."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok() -> str:
    return "ok"
