"""The API's browsable docs: Swagger UI from our own static files, started by a script of ours (no inline
script, so the Content-Security-Policy holds)."""

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def docs():
    return render_template("api/docs.html")
