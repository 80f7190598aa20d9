"""Where a creditor's webhook may be sent: only to addresses on the internet, never into our own network.

A creditor admin chooses the URL, so without this check our servers would POST wherever they were told: the
cloud's metadata service (169.254.169.254), a database on 10.0.0.5, this machine. The host is resolved and
every address it has must be globally routable; the URL is checked when saved and again before each delivery
(DNS can change in between), and the delivery connects to the addresses it checked.
"""

import ipaddress
import socket


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
        answers = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise NotFound(f"no address found for {host}") from error
    addresses = list(dict.fromkeys(answer[4][0] for answer in answers))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise NotPublic(f"not sent: {host} is at {address}, which is not on the internet")
    return addresses
