"""Logs never hold a magic-link token: "/l/<token>" in a logged request line becomes "/l/[redacted]".

A token in a log is a key to someone's account for as long as the link lives, readable by anyone who
can read the logs. Werkzeug's request log (flask run, the tests' live server) and Flask's own error log
are filtered here; gunicorn's access and error logs by the logger class in gunicorn.conf.py.
"""

import logging
import re

from flask import Flask

#: a link's path up to its query, fragment, a space, a quote or "&" (in a query string); also
#: percent-escaped ("/l%2F..."), which the router decodes to the same page
_LINK_PATH = re.compile(r"(?:/|%2f)(?:l|%6c)(?:/|%2f)[^?#&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    """ "GET /l/ImFiYyI.xyz?utm=sms HTTP/1.1" -> "GET /l/[redacted]?utm=sms HTTP/1.1"."""
    return _LINK_PATH.sub("/l/[redacted]", text)


class RedactLinkTokens(logging.Filter):
    """Redacts a record's whole message (its format and arguments, already joined) and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: one instance, so adding it again (gunicorn reloads its logging setup) changes nothing
link_token_filter = RedactLinkTokens()


def init_app(app: Flask) -> None:
    logging.getLogger("werkzeug").addFilter(link_token_filter)
    app.logger.addFilter(link_token_filter)
