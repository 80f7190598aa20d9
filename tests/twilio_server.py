"""A local stand-in for Twilio's REST API (the Messages resource), for the tests (tests/sms_support.py) and `make demo`.

It takes what `twilio.rest.Client().messages.create()` sends, checks the account SID and auth token,
records each text and answers as Twilio does. Read back what was sent at GET /messages.json, or in a
browser at / (newest first), where a form also sends a reply to the portal as the debtor's phone would:
signed with the auth token, posted to the portal's inbound webhook.

    python -m tests.twilio_server --port 8430 --webhook http://127.0.0.1:5000/sms/inbound

`To` +15005550001 is refused as an invalid number (as Twilio's test credentials do), for failure tests.
"""

import argparse
import base64
import html
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-test-auth-token"
FROM_NUMBER = "+15005550006"
INVALID_NUMBER = "+15005550001"


@dataclass
class StandIn:
    """What the server knows: its credentials, the texts it took, where replies go."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    from_number: str = FROM_NUMBER
    webhook: str | None = None
    sent: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    @property
    def settings(self) -> dict:
        """The portal's settings to send through this server."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": self.from_number,
            "TWILIO_API_BASE": self.base_url,
        }

    def texts(self, to: str | None = None) -> list[dict]:
        with self.lock:
            return [text for text in self.sent if to is None or text["to"] == to]

    def clear(self) -> None:
        with self.lock:
            self.sent.clear()

    def reply(self, sender: str, body: str) -> requests.Response:
        """Send the portal a text from `sender`, signed as Twilio signs it."""
        form = {"From": sender, "To": self.from_number, "Body": body, "MessageSid": "SM" + secrets.token_hex(16)}
        signature = RequestValidator(self.auth_token).compute_signature(self.webhook, form)
        return requests.post(self.webhook, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


def handler_for(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # quiet: the texts hold links
            pass

        def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            return {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}

        def _authorised(self) -> bool:
            expected = base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/messages.json":
                self._send(200, json.dumps(state.texts()))
            elif path == "/":
                self._send(200, page(state), "text/html")
            else:
                self._send(404, json.dumps({"code": 20404, "message": "not found", "status": 404}))

        def do_POST(self):
            path = urlsplit(self.path).path
            if path == "/reply" and state.webhook:
                form = self._form()
                try:
                    state.reply(form.get("from", ""), form.get("body", ""))
                except requests.RequestException as error:
                    self._send(502, f"The portal did not answer at {state.webhook}: {error}", "text/plain")
                    return
                self.send_response(303)
                self.send_header("Location", "/")
                self.end_headers()
                return
            if path != f"/2010-04-01/Accounts/{state.account_sid}/Messages.json":
                self._send(404, json.dumps({"code": 20404, "message": "not found", "status": 404}))
                return
            if not self._authorised():
                self._send(401, json.dumps({"code": 20003, "message": "Authenticate", "status": 401}))
                return
            form = self._form()
            if not form.get("To") or not form.get("Body") or not form.get("From"):
                self._send(
                    400, json.dumps({"code": 21604, "message": "A 'To', 'From' and 'Body' are required", "status": 400})
                )
                return
            if form["To"] == INVALID_NUMBER:
                message = f"The 'To' number {form['To']} is not a valid phone number."
                self._send(400, json.dumps({"code": 21211, "message": message, "status": 400}))
                return
            now = format_datetime(datetime.now(UTC))
            text = {
                "sid": "SM" + secrets.token_hex(16),
                "account_sid": state.account_sid,
                "to": form["To"],
                "from": form["From"],
                "body": form["Body"],
                "status": "queued",
                "num_segments": str(len(form["Body"]) // 153 + 1),
                "direction": "outbound-api",
                "date_created": now,
                "date_updated": now,
                "api_version": "2010-04-01",
            }
            with state.lock:
                state.sent.append(text)
            self._send(201, json.dumps(text))

    return Handler


def page(state: StandIn) -> str:
    """Every text sent, newest first, readable by a person; with a reply form when replies can be posted."""
    rows = "".join(
        f"<tr><td>{html.escape(text['date_created'])}</td><td>{html.escape(text['to'])}</td>"
        f"<td><pre>{html.escape(text['body'])}</pre></td></tr>"
        for text in reversed(state.texts())
    )
    form = (
        '<h2>Reply as a phone</h2><form method="post" action="/reply">'
        '<label>From <input name="from" placeholder="+15550100100"></label> '
        '<label>Text <input name="body" placeholder="STOP, START or anything"></label> '
        "<button>Send to the portal</button></form>"
        if state.webhook
        else ""
    )
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Texts sent (Twilio stand-in)</title>'
        "<style>body{font-family:sans-serif;margin:2em}td{vertical-align:top;padding:.4em;border-top:1px solid #ccc}"
        "pre{white-space:pre-wrap;margin:0}</style>"
        f"<h1>Texts sent ({len(state.texts())})</h1>{form}"
        f"<table><tr><th>When</th><th>To</th><th>Text</th></tr>{rows}</table></html>"
    )


def start(state: StandIn, port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True, name="twilio-stand-in").start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8430)
    parser.add_argument("--account-sid", default=ACCOUNT_SID)
    parser.add_argument("--auth-token", default=AUTH_TOKEN)
    parser.add_argument("--from-number", default=FROM_NUMBER)
    parser.add_argument("--webhook", help="the portal's inbound address, for the reply form")
    args = parser.parse_args()
    state = StandIn(args.account_sid, args.auth_token, args.from_number, args.webhook)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(state))
    print(f"Twilio stand-in on http://127.0.0.1:{args.port} (texts sent: open it in a browser)", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
