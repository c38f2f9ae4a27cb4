"""Fan-out: each change rendered once per kind of open page and posted in that kind's feed,
for the dispatcher to write to every page of the kind."""
import threading
from collections.abc import Callable, Iterable

from .dispatcher import Dispatcher
from .feeds import Feed
from .page_socket import PageSocket
from .pages import Page
from .viewers import Viewer

#: Renders one element for one kind of page.
Render = Callable[[Page], str]
#: Every element a kind of page shows, as (element id, html) pairs.
PageState = Callable[[Page], list[tuple[str, str]]]


class Publisher:
    """The open pages, grouped by kind, each kind with its feed.

    Nothing is rendered under the lock. Instead every publication takes a revision number when
    it starts, after the state it shows has changed, and renders from the state as it is then;
    a feed drops a fragment older than the one it holds, so renders that finish out of order
    never leave a page showing the older state.
    """

    def __init__(self, dispatcher: Dispatcher):
        self._dispatcher = dispatcher
        self._feeds: dict[Page, Feed] = {}
        self._revision = 0
        self._lock = threading.Lock()

    def open_page(self, page_socket: PageSocket, page: Page, state: PageState,
                  session_hash: str | None = None, account_id: int | None = None) -> Viewer:
        """A page opened its socket (as ``account_id``, in login session ``session_hash``): it
        is sent, at once, all its kind's feed holds. The first page of a kind fills the feed
        with ``state``."""
        with self._lock:
            feed = self._feeds.get(page)
            first = feed is None
            if first:
                feed = self._feeds[page] = Feed()
            viewer = Viewer(page_socket, page, feed, self._dispatcher, session_hash, account_id)
            feed.viewers.add(viewer)
            revision = self._next_revision()
        if first:
            for key, html in state(page):
                feed.post(key, html, revision)
        self._dispatcher.add(viewer)
        return viewer

    def close_page(self, viewer: Viewer) -> None:
        """The page is gone (its socket is shut by the dispatcher)."""
        with self._lock:
            viewer.feed.viewers.discard(viewer)
            if not viewer.feed.viewers:
                self._feeds.pop(viewer.page, None)

    def viewers(self) -> list[Viewer]:
        with self._lock:
            return [viewer for feed in self._feeds.values() for viewer in feed.viewers]

    @property
    def watched(self) -> bool:
        with self._lock:
            return bool(self._feeds)

    def publish(self, key: str, render: Render, *, model_id: str | None = None,
                replaces: Iterable[str] = (), kind: str | None = None,
                same_for_all: bool = False) -> None:
        """Render element ``key`` for every kind of open page that shows it (``model_id``: pages
        showing that model; ``kind``: pages of that kind, see ``Page.kind``) and post it in
        their feeds."""
        with self._lock:
            revision = self._next_revision()
            targets = [(page, feed) for page, feed in self._feeds.items()
                       if (model_id is None or page.shows(model_id))
                       and kind in (None, page.kind)]
        shared = render(targets[0][0]) if same_for_all and targets else None
        posted = []
        for page, feed in targets:
            feed.post(key, shared if same_for_all else render(page), revision, replaces)
            posted.append(feed)
        with self._lock:
            viewers = [viewer for feed in posted for viewer in feed.viewers]
        self._dispatcher.pending(viewers)

    def _next_revision(self) -> int:
        """(Under the lock.)"""
        self._revision += 1
        return self._revision
