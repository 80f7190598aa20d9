"""Where a creditor's webhook may be sent: only to addresses on the internet, never into our own network.

A creditor admin chooses the URL, so without this check our servers would POST wherever they were told: the
cloud's metadata service (169.254.169.254), a database on 10.0.0.5, this machine. The host is resolved and
every address it has must be globally routable; the URL is checked when saved and again before each delivery
(DNS can change in between), and the delivery connects to the addresses it checked.
"""

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimedOut

#: the longest a look-up may take: the system resolver can wait far longer, holding an admin's page or a delivery
LOOKUP_SECONDS = 5.0


class NotFound(OSError):
    """The host has no address."""


class NotPublic(OSError):
    """The host has an address on a private, loopback, link-local, reserved or multicast network."""


def is_public(address: str) -> bool:
    """True for an address on the internet; an IPv4 address written as IPv6 (::ffff:10.0.0.5) is judged as IPv4."""
    ip = ipaddress.ip_address(address)
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return ip.is_global and not ip.is_multicast


def resolve(host: str, *, allow_private: bool) -> list[str]:
    """Every address of `host` (an IP literal is its own), each public unless `allow_private`.

    Raises NotFound when it has none, NotPublic when any is not public: one private answer among public ones
    is enough for a connection to land on it.
    """
    try:
        answers = _look_up(host)
    except LookupTimedOut as error:
        raise NotFound(f"no address found for {host} within {LOOKUP_SECONDS:g} s") from error
    except (OSError, UnicodeError) as error:
        raise NotFound(f"no address found for {host}") from error
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise NotPublic(f"not sent: {host} is at {address}, which is not on the internet")
    return addresses


def _look_up(host: str) -> list[tuple]:
    """socket.getaddrinfo, given up after LOOKUP_SECONDS (Python's has no timeout of its own). The thread is not
    waited for: it ends when the resolver does. A pool per call, as a pool made before gunicorn forks is not safe."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-dns")
    try:
        return pool.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM).result(timeout=LOOKUP_SECONDS)
    finally:
        pool.shutdown(wait=False)
