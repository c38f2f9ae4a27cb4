"""What every page's header shows of the whole panel, whatever host the page is of: the downloads
running on every host and who has a page open anywhere; and the work notices of every host,
told on every page of their person.

A host's loop knows its own part only. It reaches the others through ``Panel``: the fleet
(fleet.registry), or ``HostAlone`` for a host outside one. When its part of the header changes,
the fleet has every host's loop look at the header again (``panel_view``, from every host's
snapshot: immutable values, read from any thread) and send its own pages what changed of it;
a notice is handed to every host's loop the same way. Nothing is shared but those values and
the calls posted between loops.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Protocol

from .views import LiveSnapshot, RunningDownload

if TYPE_CHECKING:
    from .host import LiveHost
    from .notices import WorkNotice


class Panel(Protocol):
    """The panel a host's loop is part of."""

    def snapshots(self) -> Mapping[str, LiveSnapshot]:
        """Every host's snapshot, by name, the first host's first."""
        ...

    def header_changed(self, origin: "LiveHost | None" = None) -> None:
        """The header's share of the panel may have changed (``origin``: in that host's loop,
        its part did): every host's loop sends its pages what changed of it, the origin's at
        once."""
        ...

    def tell(self, notice: "WorkNotice") -> None:
        """(From a host's loop.) Work ended: every host tells its pages of the notice's
        person."""
        ...

    def retry_over(self, host: str, model_id: str) -> None:
        """(From a host's loop.) The model's download started again there: no notice offers
        to retry it any more."""
        ...

    def activity_changed(self) -> None:
        """A host's loop wrote to the activity log: the pages showing it learn of it."""
        ...


class HostAlone:
    """The panel of a host that is the only one (as in the loop's own tests)."""

    def __init__(self, host: "LiveHost"):
        self.host = host

    def snapshots(self) -> Mapping[str, LiveSnapshot]:
        return {self.host.name: self.host.snapshot}

    def header_changed(self, origin: "LiveHost | None" = None) -> None:
        if origin is self.host:
            self.host.publish.header()
        else:
            self.host.loop.post(self.host.publish.header)

    def tell(self, notice: "WorkNotice") -> None:
        self.host.loop.post(self.host.notices.deliver, notice)

    def retry_over(self, host: str, model_id: str) -> None:
        self.host.loop.post(self.host.notices.retry_over, host, model_id)

    def activity_changed(self) -> None:
        self.host.activity_changed()


class PanelDownload(NamedTuple):
    host: str
    download: RunningDownload
    last_known: bool  # its host did not answer its last list: as it last said


@dataclass(frozen=True)
class PanelView:
    """The header's share of the whole panel, as every page shows it."""

    downloads: tuple[PanelDownload, ...]
    online: tuple[str, ...]  # the accounts with a page open on any host, by name
    several_hosts: bool  # (with one host, the header reads as it always did)

    @property
    def strip(self) -> tuple[object, ...]:
        """What the header's strip of downloads shows (with none, the same for any hosts)."""
        return (self.downloads, self.several_hosts) if self.downloads else ()

    @property
    def last_known(self) -> bool:
        """Is any download shown as its host last said?"""
        return any(each.last_known for each in self.downloads)


def panel_view(snapshots: Mapping[str, LiveSnapshot]) -> PanelView:
    downloads = tuple(
        PanelDownload(name, download, snapshot.last_known)
        for name, snapshot in snapshots.items()
        for download in snapshot.downloads
    )
    online = {account for snapshot in snapshots.values() for account in snapshot.online}
    return PanelView(downloads, tuple(sorted(online, key=str.casefold)), len(snapshots) > 1)


def header_part(snapshot: LiveSnapshot) -> tuple[object, ...]:
    """What a host adds to the header: when it changes, every page's header is sent again."""
    return snapshot.downloads, snapshot.last_known, snapshot.online
