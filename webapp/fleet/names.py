"""Host names: how a Pieces OS host is called in URLs, the activity log and the metrics."""

from ..config import HOST_NAME_PATTERN, HOST_NAME_RULE

#: The one host of a panel configured with neither PIECES_OS_HOSTS nor a host on the Hosts page.
LOCAL_HOST = "local"


class HostError(ValueError):
    """A host that cannot be added, renamed or removed; ``status`` is the HTTP status to answer."""

    status = 422


def check_host_name(name: str) -> str:
    if not HOST_NAME_PATTERN.fullmatch(name):
        raise HostError(f"{name[:40]!r} is not a host name: {HOST_NAME_RULE} (e.g. build-box).")
    return name
