"""The portal served for real on a free loopback port, in threads: what truly concurrent requests hit.

`live_server` serves the test's `app` (same settings, same database) with Werkzeug's threaded
server, so each request runs in its own thread with its own database connection, as under
gunicorn. `serve(app)` does the same for any other app (see `app_on_each_database`).
"""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import csrf_from


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


def signed_in_phone(base_url: str, link_path: str, debtor) -> requests.Session:
    """A phone signed in to the served portal as a person does it: open the link, continue, answer the question
    (the date of birth, or the postcode where the creditor asks for that)."""
    phone = requests.Session()
    start = phone.get(base_url + link_path, timeout=10)
    question = phone.post(base_url + "/start", data={"csrf_token": csrf_from(start.text)}, timeout=10)
    answer = {"csrf_token": csrf_from(question.text)}
    if debtor.creditor.identity_method == "date_of_birth":
        born = debtor.date_of_birth
        answer |= {"date_of_birth-day": born.day, "date_of_birth-month": born.month, "date_of_birth-year": born.year}
    else:
        answer["postcode"] = debtor.postcode
    signed_in = phone.post(base_url + "/verify", data=answer, timeout=10)
    assert signed_in.url.endswith("/accounts/"), signed_in.url
    return phone


def at_once(phone: requests.Session, sends: list[Callable[[requests.Session], requests.Response]]) -> list:
    """Each request from its own tab (the same signed-in cookie), all let go at the same moment."""
    barrier = threading.Barrier(len(sends))

    def go(send):
        tab = requests.Session()
        tab.cookies.update(phone.cookies)
        barrier.wait()
        return send(tab)

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        return list(pool.map(go, sends))


def form_at_once(phone: requests.Session, url: str, data: dict, times: int, *, follow: bool = False) -> list[int]:
    """The same form, with its CSRF token, posted `times` times at the same moment from the phone's tabs; the statuses
    (of the page a redirect leads to, when `follow`)."""
    token = csrf_from(phone.get(url, timeout=10).text)
    sends = [lambda tab: tab.post(url, data={"csrf_token": token, **data}, timeout=30, allow_redirects=follow)] * times
    return [response.status_code for response in at_once(phone, sends)]
