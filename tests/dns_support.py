"""Pretend DNS for tests: the names a test chooses answer with the addresses it chooses (or none), through
socket.getaddrinfo, so both the webhook address check and the connection see them; IP literals and every
other name resolve as usual."""

import socket


def pretend_dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    """`answers` is read at each look-up: a test may change a name's addresses as it goes; [] means no such name."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host not in answers:
            return real(host, *args, **kwargs)
        if not answers[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [found for address in answers[host] for found in real(address, *args, **kwargs)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
