"""The portal served for real on a free loopback port, in threads: what truly concurrent requests hit.

`live_server` serves the test's `app` (same settings, same database) with Werkzeug's threaded
server, so each request runs in its own thread with its own database connection, as under
gunicorn. `serve(app)` does the same for any other app (see `app_on_each_database`).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL ("http://127.0.0.1:<port>")."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The base URL of the test's app, served until the test ends."""
    with serve(app) as url:
        yield url
