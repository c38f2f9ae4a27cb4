"""The open pages of one host and what each kind of page was sent (in the loop only).

Each change is rendered once per kind of open page (``Page``: its URL, role and address) and put,
as one WebSocket message, in the mailbox of every page of that kind; the page's socket handler
(route.py) sends what its mailbox holds. Each kind keeps the newest fragment of every element it
shows, with the loop's sequence number of the change: a page opening its socket is sent the
elements that changed after the number its HTML was rendered at (``since``), oldest first, so
it never shows older state than it had, and an action's answer and a live fragment of the same
element carry the same state whichever arrives first.

A page that cannot keep up (its mailbox is full) is sent its kind's whole state again once it
has caught up, instead of every fragment it missed.
"""

import queue
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from .pages import Page

# Close codes (RFC 6455 section 7.4.1).
POLICY_VIOLATION = 1008
SERVICE_RESTART = 1012  # the server stops: browsers reconnect by themselves
SESSION_ENDED_REASON = "session ended"

#: Messages a page's mailbox holds before the page counts as lagging.
MAILBOX_SIZE = 256


class Close(NamedTuple):
    """Put in a mailbox: close the socket with this code and reason."""

    code: int
    reason: str


@dataclass(frozen=True)
class Viewer:
    """Who opens a page's socket: an account, in one login session; ``connected`` says whether
    the browser still holds the socket; ``page_url`` is the page exactly as the browser has it
    (the login page brings its person back there when the session ended); ``standing``, their
    role and hosts as their header says it now ("operator on gpu-1")."""

    account_id: int
    session_hash: str
    connected: Callable[[], bool]
    account_name: str = ""
    page_url: str = "/"
    standing: str = ""


class Mailbox:
    """One open page's socket as the loop sees it. The loop puts messages (or a ``Close``) in
    ``messages``; the page's socket handler takes them."""

    def __init__(self, page: Page, viewer: Viewer):
        self.page = page
        self.account_id = viewer.account_id
        self.account_name = viewer.account_name
        self.page_url = viewer.page_url
        self.session_hash = viewer.session_hash
        self.connected = viewer.connected
        self.messages: queue.Queue = queue.Queue(MAILBOX_SIZE)
        self.lagging = False  # set by the loop: the handler asks for the whole state again
        self.closing = False

    def put(self, message: str | Close) -> None:
        """(The loop.) A full mailbox drops what it would hold: the page lags."""
        try:
            self.messages.put_nowait(message)
        except queue.Full:
            self.lagging = True

    def close(self, code: int, reason: str, farewell: str | None = None) -> None:
        """Close the page's socket, after sending ``farewell`` (what the page must show)."""
        if self.closing:
            return
        self.closing = True
        while True:  # nothing more is sent to a page whose socket is being closed
            try:
                self.messages.get_nowait()
            except queue.Empty:
                break
        if farewell is not None:
            self.messages.put_nowait(farewell)
        self.messages.put_nowait(Close(code, reason))


@dataclass
class PageKind:
    """The open pages of one kind, and the newest fragment of each element they show."""

    mailboxes: set[Mailbox] = field(default_factory=set)
    feed: dict[str, tuple[int, str]] = field(default_factory=dict)  # element -> (seq, html)

    def post(self, key: str, seq: int, html: str, replaces: tuple[str, ...]) -> None:
        self.feed.pop(key, None)
        self.feed[key] = (seq, html)
        for prefix in replaces:  # elements the new one holds, as of an older state
            for inner in [
                inner
                for inner, (at, _html) in self.feed.items()
                if inner.startswith(prefix) and at < seq
            ]:
                del self.feed[inner]

    def changed_after(self, seq: int | None) -> list[str]:
        """The fragments of elements changed after ``seq`` (None: all), oldest first."""
        return [
            html
            for at, html in sorted(self.feed.values(), key=lambda entry: entry[0])
            if seq is None or at > seq
        ]


#: Every element a kind of page shows, as (element, html), for the first page of that kind.
PageState = Callable[[Page], list[tuple[str, str]]]
#: Renders one element for a kind of page.
Render = Callable[[Page], str]


class Fanout:
    def __init__(self, page_state: PageState, per_account: int):
        self._page_state = page_state
        self.per_account = per_account
        self.kinds: dict[Page, PageKind] = {}
        self.element_seq: dict[str, int] = {}  # element -> seq of its last change
        self._open: Counter[int] = Counter()

    @property
    def watched(self) -> bool:
        return bool(self.kinds)

    def mailboxes(self) -> list[Mailbox]:
        return [mailbox for kind in self.kinds.values() for mailbox in kind.mailboxes]

    def online(self) -> tuple[str, ...]:
        """The accounts with a page open, by name."""
        return tuple(sorted({box.account_name for box in self.mailboxes()}, key=str.casefold))

    def pages_by_session(self) -> Counter[str]:
        """How many pages each login session (by hash) has open (the fleet page, which has a
        socket on every host, counts on the first alone)."""
        return Counter(box.session_hash for box in self.mailboxes() if box.page.shows_host_frame)

    def open(
        self,
        page: Page,
        since: int | None,
        viewer: Viewer,
    ) -> Mailbox | str:
        """A page opened its socket: its mailbox, holding what changed since ``since``; or why
        it is refused (too many pages of the account open on this host; the panel's whole
        budget of sockets is the socket handler's to take, route.py)."""
        account_id = viewer.account_id
        if self._refusal(account_id):
            # A page reloaded opens its new socket before its old one's handler has noticed
            # that the browser closed it: a closed socket holds no place.
            for mailbox in self.mailboxes():
                if not mailbox.connected():
                    self.close(mailbox)
        refusal = self._refusal(account_id)
        if refusal:
            return refusal
        self._open[account_id] += 1
        kind = self.kinds.get(page)
        if kind is None:
            kind = self.kinds[page] = PageKind()
            for key, html in self._page_state(page):
                kind.post(key, self.element_seq.get(key, 0), html, ())
        mailbox = Mailbox(page, viewer)
        kind.mailboxes.add(mailbox)
        for html in kind.changed_after(since):
            mailbox.put(html)
        return mailbox

    def _refusal(self, account_id: int) -> str | None:
        if self._open[account_id] >= self.per_account:
            return (
                f"Live updates are off on this page: your account already has "
                f"{self.per_account} pages open with live updates. It reloads itself "
                "meanwhile; close some to get them back."
            )
        return None

    def close(self, mailbox: Mailbox) -> None:
        kind = self.kinds.get(mailbox.page)
        if kind is None or mailbox not in kind.mailboxes:
            return
        kind.mailboxes.discard(mailbox)
        self._open[mailbox.account_id] -= 1
        if self._open[mailbox.account_id] <= 0:
            del self._open[mailbox.account_id]
        if not kind.mailboxes:
            del self.kinds[mailbox.page]

    def resync(self, mailbox: Mailbox) -> None:
        """A lagging page caught up with its mailbox: it is sent its kind's whole state."""
        kind = self.kinds.get(mailbox.page)
        if kind is None or mailbox.closing:
            return
        while not mailbox.messages.empty():
            mailbox.messages.get_nowait()
        mailbox.lagging = False
        for html in kind.changed_after(None):
            mailbox.put(html)

    def publish(
        self,
        key: str,
        seq: int,
        render: Render,
        *,
        shows: Callable[[Page], bool],
        replaces: tuple[str, ...] = (),
        same_for_all: bool = False,
    ) -> None:
        """Element ``key`` changed at ``seq``: render it for every kind of open page that
        ``shows`` it, and put it in their mailboxes."""
        self.element_seq[key] = seq
        shared = None
        for page, kind in self.kinds.items():
            if not shows(page):
                continue
            if not same_for_all or shared is None:
                shared = render(page)
            kind.post(key, seq, shared, replaces)
            for mailbox in kind.mailboxes:
                if not mailbox.closing:
                    mailbox.put(shared)

    def close_all(self, code: int, reason: str) -> None:
        for mailbox in self.mailboxes():
            mailbox.close(code, reason)

    def of_ended_sessions(self, roles: dict[str, str]) -> list[Mailbox]:
        """The pages not yet closing whose login session is gone, or whose user's role changed
        (``roles``: the role on this host of each session still valid)."""
        return [
            mailbox
            for mailbox in self.mailboxes()
            if not mailbox.closing and roles.get(mailbox.session_hash) != mailbox.page.role
        ]
