"""Which page a live socket belongs to, and so which fragments it is sent and how they are
rendered."""

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..accounts.users import PERMISSIONS
from ..config import HOST_NAME_PATTERN
from ..pieces.ids import InvalidModelId, check_model_id, from_segment
from ..pieces.listing import list_query_of
from ..web.navigation import safe_local_path

#: How the paths of a host's pages begin, but the first host's (fleet.routing).
HOST_PREFIX = re.compile(r"/hosts/" + HOST_NAME_PATTERN.pattern + r"(?=/)")
DETAIL_PATH = re.compile(r"/models/(?P<model_id>[^/]+)")
#: Every Activity page is one kind, whatever its filters: it is told that the log changed and
#: fetches its own filtered view again.
ACTIVITY_URL = "/activity"
#: The fleet page (webapp/fleet) opens one socket per host, each of which sends that host's
#: column; like the Activity page it fetches its own filtered matrix again when models came or
#: went, so its filters make no kind of their own.
FLEET_URL = "/fleet"


@dataclass(frozen=True)
class Page:
    """The page a socket belongs to: its URL, the model it shows (detail pages), the role of
    its user on its host (accounts/scopes.py), and the address it was opened with
    (``http://panel.lan:8000/``), so fragments are rendered as that page's own requests would
    be (TRUSTED_HOSTS refuses any other host)."""

    url: str
    model_id: str | None = None
    role: str | None = None
    base_url: str | None = None

    @property
    def kind(self) -> str:
        """ "list", "detail" (one model's page), "activity" or "fleet"."""
        if self.model_id:
            return "detail"
        if self.url == ACTIVITY_URL:
            return "activity"
        return "fleet" if without_host_prefix(self.url) == FLEET_URL else "list"

    @property
    def shows_host_frame(self) -> bool:
        """Does the page show this host's header, notices and footer? Every page does, but
        the fleet page's sockets of the hosts after the first: its frame is the first host's,
        as on every page without a host prefix, and they send their host's column alone."""
        return self.kind != "fleet" or self.url == FLEET_URL

    @property
    def view(self) -> str:
        return "card" if self.model_id else "row"

    def can(self, permission: str) -> bool:
        """May whoever has this page's role do this? (Fragments are rendered for a role.)"""
        roles, _what = PERMISSIONS[permission]
        return self.role in roles

    def shows(self, model_id: str) -> bool:
        """Does the page show this model's row or card?"""
        return self.kind == "list" or self.model_id == model_id

    @classmethod
    def from_url(
        cls,
        url: str | None,
        role: str | None = None,
        base_url: str | None = None,
        host_prefix: str = "",
    ) -> "Page":
        """The page a browser says it is on, as a page of the host whose paths begin with
        ``host_prefix`` (the socket's); anything that is not a panel page is the list."""
        parts = urlsplit(safe_local_path(url))
        path = without_host_prefix(parts.path)
        detail = DETAIL_PATH.fullmatch(path)
        model_id = from_segment(unquote(detail["model_id"])) if detail else None
        if model_id and is_model_id(model_id):
            return cls(host_prefix + path, model_id, role, base_url)
        if path == ACTIVITY_URL and not host_prefix:
            return cls(ACTIVITY_URL, None, role, base_url)
        if path == FLEET_URL:
            return cls(host_prefix + FLEET_URL, None, role, base_url)
        suffix = list_query_of(parts.geturl()).query_string()
        list_url = f"{host_prefix}/?{suffix}" if suffix else f"{host_prefix}/"
        return cls(list_url, None, role, base_url)


def is_model_id(text: str) -> bool:
    try:
        check_model_id(text)
    except InvalidModelId:
        return False
    return True


def without_host_prefix(path: str) -> str:
    """A host page's path as the first host's page has it (``/hosts/gpu-1/fleet``: ``/fleet``)."""
    prefix = HOST_PREFIX.match(path)
    return path[prefix.end() :] if prefix else path
