"""Fan-out: each change rendered once per kind of open page and posted in that kind's feed,
for the dispatcher to write to every page of the kind."""
import re
import secrets
import threading
from collections import deque
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


#: ``Publisher.mark(revision)``: this run of the panel, and a revision.
MARK = re.compile(r"(?P<run>[0-9a-f]{8})-(?P<revision>[0-9]{1,15})")
#: How many of the latest publications are remembered with the thread that made them.
RECENT_PUBLICATIONS = 1024


class Publisher:
    """The open pages, grouped by kind, each kind with its feed.

    Nothing is rendered under the lock. Instead every publication takes a revision number when
    it starts, after the state it shows has changed, and renders from the state as it is then;
    a feed drops a fragment older than the one it holds, so renders that finish out of order
    never leave a page showing the older state.

    The revision also tells what a page lacks when its socket opens: a page that took the
    ``revision`` before it was rendered is sent only what was published after that.
    """

    def __init__(self, dispatcher: Dispatcher):
        self._dispatcher = dispatcher
        self._feeds: dict[Page, Feed] = {}
        self._revision = 0
        self._published: dict[str, int] = {}  # element -> revision of its newest publication
        self._run = secrets.token_hex(4)  # revisions of another run of the panel mean nothing
        # (revision, thread) of the latest publications, oldest first (see ``past_own``).
        self._recent: deque[tuple[int, int]] = deque(maxlen=RECENT_PUBLICATIONS)
        self._lock = threading.Lock()

    @property
    def revision(self) -> int:
        """Where the state is now: to be taken before a page reads the state it shows."""
        return self._revision

    def mark(self, revision: int) -> str:
        """``revision`` as the page's socket address carries it, with this run of the panel."""
        return f"{self._run}-{revision}"

    def past_own(self, revision: int) -> int:
        """``revision`` moved past what this thread published since, up to the first publication
        of another thread: the page this thread renders shows what it published itself (the
        first list after a start, changes its own ``GET /models`` found), so its socket need
        not replace those elements again as the page opens."""
        me = threading.get_ident()
        with self._lock:
            if not self._recent or self._recent[0][0] > revision + 1:
                return revision  # older than what is remembered
            for published, thread in self._recent:
                if published > revision:
                    if thread != me:
                        break
                    revision = published
        return revision

    def revision_of(self, mark: str | None) -> int | None:
        """The revision of a ``mark`` from this run of the panel; None for none, or one from an
        earlier run (the page may lack anything). ValueError for anything else."""
        if mark is None:
            return None
        matched = MARK.fullmatch(mark)
        if matched is None:
            raise ValueError(f"not a mark of the live state: {mark[:40]!r}")
        return int(matched["revision"]) if matched["run"] == self._run else None

    def open_page(self, page_socket: PageSocket, page: Page, state: PageState,
                  session_hash: str | None = None, account_id: int | None = None,
                  rendered_at: int | None = None) -> Viewer:
        """A page opened its socket (as ``account_id``, in login session ``session_hash``): it
        is sent, at once, what its kind's feed holds that was published after the page was
        rendered (``rendered_at``, a revision; None: all of it). The first page of a kind fills
        the feed with ``state``, each element as of its newest publication."""
        with self._lock:
            feed = self._feeds.get(page)
            first = feed is None
            if first:
                feed = self._feeds[page] = Feed()
            viewer = Viewer(page_socket, page, feed, self._dispatcher, session_hash, account_id,
                            rendered_at)
            feed.viewers.add(viewer)
            published = dict(self._published) if first else {}
        if first:
            for key, html in state(page):
                feed.post(key, html, published.get(key, 0))
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
            self._published[key] = revision
            self._recent.append((revision, threading.get_ident()))
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
