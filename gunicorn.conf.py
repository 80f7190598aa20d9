"""gunicorn's settings: `gunicorn -c gunicorn.conf.py` (or `make serve`) serves the portal with these.

Each one comes from the environment, so a host or platform sets them without editing this file.
"""

import os

from gunicorn.glogging import Logger

from portal.logs import json_formatter, link_token_filter, redact

wsgi_app = "wsgi:app"

# BIND wins; a platform that sets PORT routes to it from outside the container (gunicorn's own rule).
if "BIND" in os.environ:
    bind = os.environ["BIND"]
elif "PORT" in os.environ:
    bind = f"0.0.0.0:{os.environ['PORT']}"
else:
    bind = "127.0.0.1:8000"

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# More than one thread makes gunicorn use its threaded worker: a request waiting on Stripe or the
# database does not hold up the next one.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout


#: as the portal's own logs (LOG_FORMAT, default json): one JSON object a line
JSON_LOGS = os.environ.get("LOG_FORMAT", "json") == "json"


class RedactingLogger(Logger):
    """gunicorn's logger, but no magic-link token reaches its access log or its error log."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(link_token_filter)  # "Error handling request /l/..."
        if JSON_LOGS:
            for handler in self.error_log.handlers:
                handler.setFormatter(json_formatter())

    def atoms(self, resp, req, environ, request_time):
        """Every value a log format can name (%(r)s, %(U)s, %(q)s, %(f)s, {raw_uri}e, {referer}i...)."""
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}


logger_class = RedactingLogger
accesslog = "-"  # stdout, for the platform's log collector
errorlog = "-"  # stderr
if JSON_LOGS:
    # The path without its query (a query may hold personal data), the request id the portal sent back,
    # and no address: the request id is what support and the proxy's own log share.
    access_log_format = (
        '{"time": "%(t)s", "logger": "access", "request_id": "%({x-request-id}o)s", "method": "%(m)s", '
        '"path": "%(U)s", "status": %(s)s, "bytes": %(B)s, "duration_ms": %(M)s}'
    )
