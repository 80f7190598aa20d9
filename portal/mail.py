"""Sending email: through SMTP in production, into files in development and the demo.

Settings (portal.config): MAIL_BACKEND ("smtp" or "file"), MAIL_FROM, and for SMTP MAIL_SERVER,
MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS, MAIL_USE_SSL, MAIL_TIMEOUT; for files
MAIL_DIR (default instance/mail/), where each email is one .eml file a person can open.
"""

import logging
import secrets
import smtplib
import sys
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

_LONG_HEADERS = policy.default.clone(max_line_length=998)


class MailError(Exception):
    """The email could not be handed on."""


def build_message(
    to: str, subject: str, body: str, sender: str | None = None, headers: dict[str, str] | None = None
) -> EmailMessage:
    """`sender`: the name the debtor sees (the creditor's), on MAIL_FROM's address; `headers`: any more
    (List-Unsubscribe)."""
    config = current_app.config
    message = EmailMessage()
    address = parseaddr(config["MAIL_FROM"])[1]
    message["From"] = formataddr((sender, address)) if sender else config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="portal")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    # Written out with lines of up to 998 characters (RFC 5322's limit), so that a long header made of one
    # word (List-Unsubscribe's <URL>) stays as it is instead of being encoded, which mail providers don't read.
    # The body was encoded above, under the usual 78.
    message.policy = _LONG_HEADERS
    return message


def send_email(
    to: str, subject: str, body: str, sender: str | None = None, headers: dict[str, str] | None = None
) -> None:
    """Send a plain-text email, or raise MailError."""
    message = build_message(to, subject, body, sender, headers)
    backend = current_app.config["MAIL_BACKEND"]
    try:
        if backend == "file":
            _write_file(message)
        elif backend == "smtp":
            _send_smtp(message)
        else:
            raise MailError(f"unknown MAIL_BACKEND {backend!r}")
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error


def _write_file(message: EmailMessage) -> Path:
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    path = folder / name
    path.write_bytes(bytes(message))
    line = f"Email {message['Subject']!r} written to {path} (MAIL_BACKEND=file)"
    log.info(line)
    if not log.isEnabledFor(logging.INFO):  # nobody set up logging (flask run): say it on the console
        print(line, file=sys.stderr)
    return path


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    log.info("Email %r sent through %s", message["Subject"], config["MAIL_SERVER"])
