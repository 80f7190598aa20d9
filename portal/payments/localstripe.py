"""Helpers for a local `localstripe` server (tests and `make demo`); never used with the real Stripe."""

import time
import urllib.error
import urllib.parse
import urllib.request


def _local(base_url: str) -> str:
    """The server's base URL, if it is plain HTTP on this machine: nothing else is ever opened here."""
    if not base_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("only a local localstripe server can be used this way")
    return base_url.rstrip("/")


def wait_until_up(base_url: str, timeout: float = 20.0) -> None:
    """Wait until localstripe answers (it serves its Stripe.js at /js.stripe.com/v3/)."""
    url = f"{_local(base_url)}/js.stripe.com/v3/"
    deadline = time.monotonic() + timeout
    while True:
        try:
            # B310 (urlopen) is safe here: an http URL on this machine, checked by _local
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  # nosec B310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"localstripe did not answer at {base_url} within {timeout:.0f} s")
        time.sleep(0.1)


def register_webhook(base_url: str, webhook_id: str, url: str, secret: str) -> None:
    """Tell localstripe to send its events to `url`, signed with `secret`."""
    data = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
    request = urllib.request.Request(f"{_local(base_url)}/_config/webhooks/{webhook_id}", data=data, method="POST")  # noqa: S310
    # B310 (urlopen) is safe here: an http URL on this machine, checked by _local
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  # nosec B310
        if response.status != 200:
            raise RuntimeError(f"localstripe refused the webhook: HTTP {response.status}")
