"""The addresses people can open the panel at, for the message `make run` prints when it is
ready: listening on every interface (``HOST=0.0.0.0``), ``0.0.0.0`` is no address to open."""

import ipaddress
import socket
from collections.abc import Iterable

EVERY_INTERFACE = frozenset({"0.0.0.0", "::", "[::]"})
# An address of TEST-NET-1: "connecting" a UDP socket to it picks the route a packet to the LAN
# would take, and so this machine's LAN address, without sending anything.
ROUTE_PROBE = ("192.0.2.1", 9)


def urls_to_open(host: str, port: int, trusted_hosts: Iterable[str] | None) -> list[str]:
    """Where to open the panel: its own address, or on every interface the names people are
    to type (TRUSTED_HOSTS), else this machine's name and LAN addresses."""
    if host not in EVERY_INTERFACE:
        return [_url(host, port)]
    names = [name for name in trusted_hosts or () if not name.startswith(".")]
    return [
        _url(name, port)
        for name in dict.fromkeys(names or [socket.gethostname(), *lan_addresses()])
    ]


def local_url(host: str, port: int) -> str:
    """The panel's address from this machine."""
    return _url("127.0.0.1" if host in EVERY_INTERFACE else host, port)


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses but loopback ones: its name's, and its route's."""
    found: list[str] = []
    try:
        found += [
            str(info[4][0])
            for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        ]
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(ROUTE_PROBE)
            found.append(probe.getsockname()[0])
    except OSError:  # no route: no LAN
        pass
    return [
        address for address in dict.fromkeys(found) if not ipaddress.ip_address(address).is_loopback
    ]


def _url(host: str, port: int) -> str:
    bare = host.strip("[]")
    return f"http://[{bare}]:{port}" if ":" in bare else f"http://{host}:{port}"
