"""A creditor's webhook receiver for tests: a threaded HTTP server on a free loopback port that records every
request and answers as the test says (a status code, or a pause longer than the sender waits). With `tls`
(`certificate_for`), it serves HTTPS with a self-signed certificate made for the test: trust it with SSL_CERT_FILE."""

import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def certificate_for(name: str, folder: Path) -> Certificate:
    """A self-signed certificate for `name`, made now with openssl (no key is kept in the repository)."""
    made = Certificate(folder / "cert.pem", folder / "key.pem")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}"),
            *("-addext", f"subjectAltName=DNS:{name}", "-keyout", str(made.key), "-out", str(made.cert)),
        ],
        check=True,
        capture_output=True,
    )
    return made


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    #: the answer's status code
    status: int = 200
    #: seconds to wait before answering
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiver(*, tls: Certificate | None = None) -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.requests.append(Received(dict(self.headers.items()), body))
            time.sleep(state.delay)
            payload = b'{"ok": true}' if state.status < 300 else b"receiver broke"
            self.send_response(state.status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert, tls.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_port}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
