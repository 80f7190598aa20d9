"""The portal in a process of its own that is killed (SIGKILL) the moment Stripe has taken a payment,
before our commit: what a power cut or the OOM killer does at the worst moment.

Run as `python -m tests.fault_server` with FAULT_SERVER_SETTINGS (the app's settings, JSON); it prints the
port it serves on, then serves one request at a time until the kill.
"""

import json
import os
import signal

from werkzeug.serving import make_server

from portal import create_app
from portal.payments import service


def _killed(*args, **kwargs) -> None:
    """Stands in for recording Stripe's answer: the process dies with nothing of it written."""
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    app = create_app(json.loads(os.environ["FAULT_SERVER_SETTINGS"]))
    service.apply_intent = _killed
    server = make_server("127.0.0.1", 0, app)
    print(server.server_port, flush=True)
    server.serve_forever()
