"""The fleet: one ``LiveHost`` (live state, loop, relays) per Pieces OS host, by name.

Built at start from the settings and the database (fleet.stored); admins add, change and remove
hosts while the panel runs. It is the panel each host's loop is part of (live.panel.Panel): what
concerns every page (the header's downloads and who is online, work notices, the activity log)
is handed from the loop it happened in to every host's loop.

The table of hosts is replaced whole on every change (readers take it in one read, never see it
half changed); changes come from admins' requests, one at a time per host name, and each builds
or stops a host's loop outside the table.
"""

from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

from flask import Flask

from .. import db
from ..accounts.users import limited_operators
from ..live.gone import HostGone
from ..live.host import LiveHost
from ..live.notices import WorkNotice
from ..live.quota import sockets_allowed
from ..live.views import LiveSnapshot
from ..pieces import discovery
from ..pieces.client import PiecesClient
from ..serving.limits import SocketBudget
from .routing import host_named_by_page
from .stored import claim_unnamed_entries, fleet_hosts

# Used when PIECES_OS_URL is unset and discovery finds nothing: the first port Pieces OS uses.
FALLBACK_PIECES_OS_URL = "http://127.0.0.1:39300"

#: Builds a host's live state (tests give one that scripts its upstream sockets).
HostFactory = Callable[[Flask, str, PiecesClient], LiveHost]


def live_host(app: Flask, name: str, client: PiecesClient) -> LiveHost:
    return LiveHost(app, client, name=name)


class Fleet:
    def __init__(self, app: Flask, make_host: HostFactory = live_host):
        self.app = app
        self.config = app.config
        self._make_host = make_host
        self._hosts: dict[str, LiveHost] = {}
        #: The live sockets of every host's pages together (live/route.py takes them).
        self.sockets = SocketBudget(sockets_allowed(self.config["LIVE_SOCKETS_TOTAL"]))
        #: The host of PIECES_OS_URL or discovery, when PIECES_OS_HOSTS is unset: set by the
        #: environment, it is not on the Hosts page's list of hosts one may change.
        self.configured_local = not self.config["PIECES_OS_HOSTS"]

    def start(self) -> None:
        with closing(db.connect(self.config["DATABASE"])) as connection:
            self._hosts = {
                name: self._host(name, self._local_client() if url is None else self.client(url))
                for name, url in fleet_hosts(connection, self.config["PIECES_OS_HOSTS"]).items()
            }
            claim_unnamed_entries(connection, self.default.name)

    # -- reading (any thread) ------------------------------------------------------------------

    @property
    def hosts(self) -> Mapping[str, LiveHost]:
        """Every host, by name, in the order they were added (the first is the default)."""
        return self._hosts

    @property
    def default(self) -> LiveHost:
        """The host of the panel's pages without ``/hosts/<name>``: the first one."""
        return next(iter(self._hosts.values()))

    def get(self, name: str) -> LiveHost | None:
        return self._hosts.get(name)

    def ask_every_host(self) -> Mapping[str, LiveHost]:
        """Every host, each asked for its list first, all at once (as a page of each does; a
        page showing them all waits for the slowest): its snapshot then says whether it
        answers now, and its version."""
        hosts = self._hosts
        with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
            list(pool.map(LiveHost.refresh_now, hosts.values()))
        return hosts

    def pages_by_session(self) -> dict[str, int]:
        """How many pages each login session (by hash) has open, on every host."""
        counts: Counter[str] = Counter()
        for host in self._hosts.values():
            counts.update(host.pages_by_session())
        return dict(counts)

    def snapshots(self) -> Mapping[str, LiveSnapshot]:
        return {name: host.snapshot for name, host in self._hosts.items()}

    # -- told by the rest of the panel, and by hosts' loops -------------------------------------

    def check_sessions(self) -> None:
        for host in self._hosts.values():
            host.check_sessions()

    def activity_changed(self) -> None:
        for host in self._hosts.values():
            host.activity_changed()

    def header_changed(self, origin: LiveHost | None = None) -> None:
        for host in self._hosts.values():
            if host is origin:
                host.publish.header()
            else:
                host.loop.post(host.publish.header)

    def tell(self, notice: WorkNotice) -> None:
        for host in self._hosts.values():
            host.loop.post(host.notices.deliver, notice)

    def retry_over(self, host_name: str, model_id: str) -> None:
        for host in self._hosts.values():
            host.loop.post(host.notices.retry_over, host_name, model_id)

    # -- changed by admins (fleet.views) -------------------------------------------------------

    def add(self, name: str, url: str) -> None:
        host = self._host(name, self.client(url))
        self._hosts = {**self._hosts, name: host}
        self._columns_changed()

    def replace(self, name: str, new_name: str, url: str, *, by: str) -> None:
        """A host renamed or moved (by ``by``): its loop stops and a new one starts in its
        place, at the same position, following on its downloads. Its pages reconnect to the
        new one, but those whose URL names it by a name it no longer has: they are told where
        they are now, and stop."""
        old = self._hosts[name]
        new = self._host(new_name, self.client(url))
        moved = f"{name} moved to {url}, which has no such download"
        new.take_over(old, moved if url != old.client.base_url else None)
        self._hosts = {
            (new_name if each == name else each): (new if each == name else host)
            for each, host in self._hosts.items()
        }
        self._columns_changed()
        renamed = None
        if new_name != name:
            self._standings_changed()
            renamed = HostGone(
                name, by, new_name, lambda page: host_named_by_page(self.app, page) == name
            )
        old.shutdown(renamed)

    def remove(self, name: str, *, by: str) -> None:
        """A host removed (by ``by``): its pages are told so and stop (the first host's
        pages without prefix too); the panel's other pages reconnect, to the new first host."""
        old = self._hosts[name]
        was_first = old is self.default
        self._hosts = {each: host for each, host in self._hosts.items() if each != name}
        self._columns_changed()

        def showed_it(page: str) -> bool:
            named = host_named_by_page(self.app, page)
            return named == name or (was_first and named == "")

        old.shutdown(HostGone(name, by, None, showed_it))
        self._standings_changed()

    def _columns_changed(self) -> None:
        """Open fleet pages fetch their matrix again, with a column per host as they are now
        (a removed or renamed host's socket then goes with its column); every page's header
        shows the hosts there are now."""
        for host in self._hosts.values():
            host.fleet_changed()
        self.header_changed()

    def _standings_changed(self) -> None:
        """A host was renamed or removed: the operators limited to some hosts read their hosts
        as they are now in their pages' headers."""
        with closing(db.connect(self.config["DATABASE"])) as connection:
            standings = {user.id: user.standing for user in limited_operators(connection)}
        if standings:
            for host in self._hosts.values():
                host.standings_changed(standings)

    def shutdown(self) -> None:
        for host in self._hosts.values():
            host.shutdown()

    def _host(self, name: str, client: PiecesClient) -> LiveHost:
        host = self._make_host(self.app, name, client)
        host.panel = self
        return host

    # -- clients -------------------------------------------------------------------------------

    def client(self, url: str, locator: discovery.Locator | None = None) -> PiecesClient:
        config = self.config
        return PiecesClient(
            url,
            connect_timeout=config["PIECES_OS_CONNECT_TIMEOUT"],
            read_timeout=config["PIECES_OS_READ_TIMEOUT"],
            load_timeout=config["PIECES_OS_LOAD_TIMEOUT"],
            locator=locator,
        )

    def _local_client(self) -> PiecesClient:
        """The client of the Pieces OS that PIECES_OS_URL names; unset, of the one discovery
        finds (and finds again whenever it stops answering, as it picks a new port at each
        start)."""
        url = self.config["PIECES_OS_URL"]
        if url:
            return self.client(url)

        def find() -> str | None:
            return discovery.discover(discovery.candidate_urls(self.config["PIECES_OS_PORT_FILE"]))

        return self.client(find() or FALLBACK_PIECES_OS_URL, discovery.Locator(find))
