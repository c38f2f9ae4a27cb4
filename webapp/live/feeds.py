"""What the hub published for one kind of page, kept for its open pages to take at their pace."""
import threading
from collections.abc import Iterable


class Feed:
    """The newest fragment of every element of one kind of page, in the order they were posted,
    each with a number. Every open page of that kind keeps a cursor (the number of the last
    fragment it took): a page that just opened starts at 0 and so is sent the whole state, and
    publishing costs the same for one page or a hundred. A slow page simply lags behind: memory
    is bounded by the elements.

    Fragments are rendered outside any lock, so they can arrive out of order; each carries the
    revision of the state it shows, and one older than what its element shows is dropped.
    """

    def __init__(self):
        self.viewers: set = set()  # the open pages (``Viewer``) of this kind, kept by the publisher
        self._entries: dict[str, tuple[int, str]] = {}  # element -> (number, html), in order
        self._revisions: dict[str, int] = {}  # element -> revision of the state it shows
        self._last = 0
        self._lock = threading.Lock()

    @property
    def last(self) -> int:
        return self._last

    def post(self, key: str, html: str, revision: int, replaces: Iterable[str] = ()) -> None:
        """Publish ``html`` for element ``key``, rendered from the state of ``revision``; it
        also stands for the elements in ``replaces`` (a row holds its progress bar), whose older
        fragments go."""
        with self._lock:
            if revision < self._revisions.get(key, 0):
                return
            self._revisions[key] = revision
            self._append(key, html)
            for inner in replaces:
                if self._revisions.get(inner, 0) <= revision:
                    self._revisions[inner] = revision
                    self._entries.pop(inner, None)
                elif inner in self._entries:  # newer than the row that holds it: keep it after
                    self._append(inner, self._entries[inner][1])

    def _append(self, key: str, html: str) -> None:
        self._entries.pop(key, None)
        self._last += 1
        self._entries[key] = (self._last, html)

    def changed_after(self, revision: int) -> tuple[int, tuple[str, ...]]:
        """What a page rendered when the state was at ``revision`` lacks: the fragments of a
        newer state, oldest first, and the cursor after them."""
        with self._lock:
            return self._last, tuple(html for key, (_, html) in self._entries.items()
                                     if self._revisions[key] > revision)

    def since(self, cursor: int) -> tuple[int, tuple[str, ...]]:
        """The fragments published after ``cursor``, oldest first, and the new cursor."""
        with self._lock:
            newer = []
            for number, html in reversed(self._entries.values()):
                if number <= cursor:
                    break
                newer.append(html)
            return self._last, tuple(reversed(newer))
