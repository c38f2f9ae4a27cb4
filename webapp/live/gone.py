"""A host removed from the fleet or renamed (on the Hosts page): its open pages that can no
longer reach it are told so, and their sockets close for good (``HOST_GONE``: browsers do not
reconnect to an address that leads nowhere now). Its other pages reconnect as after a restart."""

from collections.abc import Callable
from dataclasses import dataclass

#: The close code of such a page's socket (RFC 6455 section 7.4.2: 4000-4999 are the
#: application's); static/live.js knows it.
HOST_GONE = 4404


@dataclass(frozen=True)
class HostGone:
    """``name`` was removed (``new_name`` None) or renamed ``new_name`` by ``by``; ``ends``
    says whether an open page, by its URL, was one of the host's pages that no longer lead to
    it (fleet.routing)."""

    name: str
    by: str
    new_name: str | None
    ends: Callable[[str], bool]

    def new_url(self, page_url: str) -> str | None:
        """Where a page of a renamed host is now (None for a removed host)."""
        old_prefix = f"/hosts/{self.name}/"
        if self.new_name is None or not page_url.startswith(old_prefix):
            return None
        return f"/hosts/{self.new_name}/{page_url[len(old_prefix) :]}"
