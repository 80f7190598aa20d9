"""A creditor's webhook receiver to try the portal's webhooks with: it checks each request's signature and prints
the event. `python docs/webhook_receiver.py --secret <the secret the console showed> [--port 9000]`, then set
`http://localhost:9000/` as the creditor's webhook address in the console (Admin → Creditors → Webhooks).

Standard library only; `verify` is the README's, word for word (tests/integration/test_webhooks.py checks it).
"""

import argparse
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True if `body` was signed by the portal with `secret` in the last `tolerance` seconds."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - timestamp) <= tolerance


def handler_for(secret: str) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                good = verify(secret, self.headers.get("Portal-Signature", ""), body)
            except (KeyError, ValueError):
                good = False
            if not good:
                print("refused: the signature does not match", flush=True)
                self.send_response(400)
                self.end_headers()
                return
            event = json.loads(body)
            print(f"{event['created_at']}  {event['type']:<24} {json.dumps(event['data'])}", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            """Quiet: the events are what is printed."""

    return Receiver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=9000)
    options = parser.parse_args()
    print(f"Listening on http://localhost:{options.port}/", flush=True)
    HTTPServer(("127.0.0.1", options.port), handler_for(options.secret)).serve_forever()


if __name__ == "__main__":
    main()
