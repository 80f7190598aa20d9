"""The creditor API (/api/v1): bearer keys, JSON, problem+json errors, an OpenAPI 3.1 document made by
flask-smorest from the schemas that validate the requests, and browsable docs at /api/v1/docs.

Rooms: keys.py (make, check, revoke keys), access.py (the bearer key, the rate limit per key),
idempotency.py, problems.py (errors), schemas.py, views.py, docs.py (the docs page), cli.py (`flask apikey`).
"""

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.routing import BaseConverter

from portal.api.problems import MIMETYPE
from portal.api.schemas import LINK_ID_PATTERN, REFERENCE_PATTERN, Problem


class ReferenceConverter(BaseConverter):
    """A creditor's own reference in a URL; its pattern is in the document too."""

    regex = REFERENCE_PATTERN


class LinkIdConverter(BaseConverter):
    """A link's public id (random URL-safe base64: it may start with "-" or "_")."""

    regex = LINK_ID_PATTERN


class PortalApi(Api):
    """flask-smorest, but its errors stay inside the API blueprint (the debtor pages keep their HTML error
    pages) and are documented as problem+json."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        """The API blueprint registers its own (portal.api.problems)."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            if status >= 400:
                response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
                prepare_response(response, self.spec, MIMETYPE)
                self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def init_app(app: Flask) -> None:
    from portal.api import cli, docs
    from portal.api.views import blp
    from portal.extensions import csrf

    app.config.setdefault("API_TITLE", "Debtor portal creditor API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.url_map.converters["ref"] = ReferenceConverter
    app.url_map.converters["link_id"] = LinkIdConverter
    api = PortalApi(
        app,
        spec_kwargs={
            "security": [{"bearer": []}],
            "info": {"description": "Bearer API keys; errors as application/problem+json; money in minor units."},
        },
    )
    for converter, pattern in ((ReferenceConverter, REFERENCE_PATTERN), (LinkIdConverter, LINK_ID_PATTERN)):
        api.register_converter(converter, lambda _, pattern=pattern: {"type": "string", "pattern": f"^{pattern}$"})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    csrf.exempt(blp)
    api.register_blueprint(blp)
    app.register_blueprint(docs.bp)
    app.cli.add_command(cli.apikey_cli)
