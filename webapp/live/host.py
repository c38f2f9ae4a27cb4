"""The live state of one Pieces OS host, behind its one loop: what every open page must see, as
soon as it changes.

``LiveHost`` is what the rest of the panel calls, from any thread. Each method posts (or asks,
when the caller needs the outcome) a call to the host's loop (loop.py), which alone changes the
state (state.py) through its parts: ``Models`` (lists, models, Pieces OS itself, loads and
actions), ``Downloads`` (progress and endings; their sockets: progress_sockets.py),
``Publisher`` (which elements a change touches) and ``Fanout`` (the open pages; sessions.py
closes those whose login ended). Readers get ``snapshot``, an immutable value the loop replaces
after every change. A second host is a second ``LiveHost``.
"""

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from ..accounts.endings import Ending
from ..pieces.client import PiecesClient, UpstreamError
from ..pieces.model import Model
from ..pieces.runtime import LocalRuntime
from .downloads import Downloads
from .events import EventFeed
from .fanout import SERVICE_RESTART, Fanout, Mailbox, Viewer
from .fragments import Fragments
from .gone import HOST_GONE, HostGone
from .journal import Journal
from .loop import HostLoop
from .models import Models
from .notices import Notices
from .pages import Page
from .panel import HostAlone, Panel, header_part
from .publish import Publisher
from .relay import SocketReader
from .runtime_jobs import RuntimeJobs
from .sessions import close_ended_sessions, say_standings
from .state import HostState, Outcome
from .views import LiveSnapshot, ModelRow, model_row, snapshot_of
from .watch import Watch

log = logging.getLogger(__name__)

#: ``LiveSnapshot.mark``: a run of the panel and a sequence number of its loop.
MARK = re.compile(r"(?P<run>[0-9a-f]{8})-(?P<seq>[0-9]{1,15})")

#: The ``since`` of a page rendered from the loop a host took the place of: before all of this
#: loop's sequence numbers.
BEFORE_THIS_LOOP = -1

#: Opens an upstream socket reader (relay.py); tests give a scripted one.
ReaderFactory = Callable[..., SocketReader]


class LiveHost:
    def __init__(
        self,
        app: Flask,
        client: PiecesClient,
        *,
        name: str = "local",
        loop: HostLoop | None = None,
        open_reader: ReaderFactory | None = None,
    ):
        config = app.config
        self.name = name
        self.client = client
        self.config = config
        self.run = secrets.token_hex(4)  # sequence numbers of another run of the panel mean nothing
        #: The run of the loop this host took the place of (it moved or was renamed): see
        #: ``since_of``.
        self.previous_run: str | None = None
        self.state = HostState(
            client.base_url, (config["PIECES_OS_MIN_VERSION"], config["PIECES_OS_BELOW_VERSION"])
        )
        self.loop = loop or HostLoop(name)
        self.loop.set_tick(self._tick)
        self._open_reader = open_reader or self._start_reader
        #: The panel around this host (panel.py): the fleet sets itself here.
        self.panel: Panel = HostAlone(self)
        self.journal = Journal(config["DATABASE"], name, lambda: self.panel.activity_changed())
        self.fanout = Fanout(
            lambda page: self.publish.page_state(page), config["LIVE_SOCKETS_PER_ACCOUNT"]
        )
        self.fragments = Fragments(app, self)
        self.events = EventFeed(self, name)
        self.publish = Publisher(self, self.fragments, self.fanout)
        self.models = Models(self)
        self.downloads = Downloads(self)
        self.runtime_jobs = RuntimeJobs(self)
        self.notices = Notices(self)
        self._dirty = True
        self._snapshot = self.current_snapshot()
        self._header_checked, self._header_told = self._snapshot, header_part(self._snapshot)
        self.watch = Watch(self)
        client.on_moved = lambda old, new: self.loop.post(self.models.moved, old, new)
        self.loop.after_each = self._after_each

    # -- for the loop's parts ------------------------------------------------------------------

    def now(self) -> float:
        return self.loop.clock()

    def spawn(self, io: Callable[[], Any], then: Callable[[Any], None]) -> None:
        self.loop.spawn(io, then)

    def changed(self) -> None:
        self._dirty = True

    def current_snapshot(self) -> LiveSnapshot:
        """(In the loop.) The state as of now, built at most once per change."""
        if self._dirty:
            self._dirty = False
            self._snapshot = snapshot_of(self.state, self.run, self.loop.seq)
        return self._snapshot

    def open_reader(
        self,
        name: str,
        address: Callable[[], str],
        on_message: Callable[[SocketReader, str | bytes], None],
        on_lost: Callable[[SocketReader], None],
        on_connected: Callable[[SocketReader], None],
    ) -> SocketReader:
        """An upstream socket whose messages, connection and loss come to the loop."""
        return self._open_reader(
            name,
            address,
            self.client.connect_timeout,
            lambda reader, data: self.loop.post(on_message, reader, data),
            lambda reader: self.loop.post(on_lost, reader),
            lambda reader: self.loop.post(on_connected, reader),
        )

    @staticmethod
    def _start_reader(*args: Any) -> SocketReader:
        return SocketReader(*args).start()

    def _after_each(self) -> None:
        """After each call: the snapshot as of now, for readers; and, when this host's part of
        every page's header changed, the panel is told (panel.py)."""
        snapshot = self.current_snapshot()
        if snapshot is self._header_checked:
            return
        part = header_part(snapshot)
        if part != self._header_told:
            self._header_told = part
            self.panel.header_changed(self)
        self._header_checked = self.current_snapshot()

    # -- for request threads -------------------------------------------------------------------

    @property
    def snapshot(self) -> LiveSnapshot:
        """The live state as of the loop's last change (any thread; in the loop, as of now)."""
        return self.current_snapshot() if self.loop.in_loop() else self._snapshot

    def fetch_models(self) -> list[Model]:
        """``GET /models`` (and the version, runtime and machine when due), in the caller's
        thread; every open page then learns what changed."""
        asked, due = self.loop.seq, self.loop.ask(self.watch.due)
        try:
            listing = self.watch.read(*due)
        except UpstreamError as error:
            self.loop.ask(self.models.upstream_error, error)
            raise
        self.loop.ask(self.watch.take_in, listing, asked)
        return listing.models

    def model_heard(self, model: Model, asked_seq: int | None = None) -> ModelRow:
        """Pieces OS answered with ``model``: its row, as every page now shows it."""
        return self.loop.ask(self._heard_row, model, asked_seq)

    def row_of(self, model: Model | None, model_id: str) -> ModelRow:
        return self.snapshot.row(model, model_id)

    def action_started(self, model: Model, action: str, by: str, entry: int) -> None:
        """An action is about to be asked of Pieces OS. A download's progress socket is opened
        first (so that no frame is missed), and this returns once it is connected."""
        self.loop.ask(self.models.action_started, model.id, action, by)
        if action == "download":
            relay = self.loop.ask(self.downloads.watch, model, by, entry)
            relay.connected.wait(self.client.connect_timeout)
        elif action == "cancel":
            self.loop.ask(self.downloads.cancel_asked, model.id, by)

    def action_went_wrong(self, model: Model, outcome: Outcome) -> ModelRow:
        """The action was refused or failed: every page says so; the row, as they show it."""

        def record() -> ModelRow:
            if outcome.action == "download" and model.id in self.state.downloads:
                self.downloads.forget(model.id)
            self.models.action_went_wrong(model, outcome)
            if outcome.kind == "refused":
                self.models.heard(model)
            return model_row(self.state, model.id)

        return self.loop.ask(record)

    def download_answered(self, model_id: str) -> None:
        self.loop.ask(self.downloads.answered, model_id)

    def download_unanswered(self, model_id: str) -> None:
        """The request that started the download timed out: followed on regardless."""
        self.loop.ask(self.downloads.starts.request_over, model_id)

    def download_found_done(self, model: Model) -> bool:
        """Pieces OS answered a download with the model already downloaded: True when nothing
        is to follow (see ``DownloadStarts.found_done``)."""
        return self.loop.ask(self.downloads.starts.found_done, model)

    def cancel_pending(self, model_id: str, entry_id: int) -> None:
        self.loop.ask(self.downloads.cancel_pending, model_id, entry_id)

    def load_ended(self, model_id: str) -> None:
        self.loop.ask(self.models.load_ended, model_id)

    def load_pending(self, model: Model, entry_id: int) -> ModelRow:
        def mark_pending() -> ModelRow:
            self.models.load_pending(model, entry_id)
            return model_row(self.state, model.id)

        return self.loop.ask(mark_pending)

    def dismiss(self, model_id: str) -> None:
        self.loop.ask(self.models.dismiss, model_id)

    def model_gone(self, model_id: str) -> None:
        self.loop.ask(self.models.gone, model_id)

    def runtime_heard(self, runtime: LocalRuntime) -> None:
        """Pieces OS just said how its local runtime is: every page shows it."""
        self.loop.ask(self.models.runtime_heard, runtime)

    def runtime_job_started(self, kind: str, by: str, entry_id: int) -> None:
        """An install or update of the local runtime is about to be asked: followed until it
        ends (``runtime_job_answered``), unless Pieces OS refuses it (``runtime_job_dropped``)."""
        self.loop.ask(self.runtime_jobs.started, kind, by, entry_id)

    def runtime_job_answered(self) -> None:
        self.loop.ask(self.runtime_jobs.answered)

    def runtime_job_dropped(self) -> None:
        self.loop.ask(self.runtime_jobs.dropped)

    def runtime_cancel_asked(self, by: str | None) -> None:
        """Somebody asks (None: no longer, Pieces OS refused) to cancel the install or update
        under way: its end reads as cancelled by them."""
        self.loop.ask(self.runtime_jobs.cancel_asked, by)

    def list_if_due(self) -> None:
        """A page was rendered from ``snapshot`` alone: the loop asks for the list if it is due
        (as it is when no page watched the host for a while); open pages then learn what
        changed, a page without JavaScript when it is loaded again."""
        self.loop.post(self.watch.list_if_due)

    def refresh_now(self) -> None:
        """Ask for the whole list now (after a change that touched many models)."""
        try:
            self.fetch_models()
        except UpstreamError:
            pass  # the banner says so

    def activity_changed(self) -> None:
        self.loop.post(self.publish.activity)

    def fleet_changed(self) -> None:
        """A host was added to the fleet, removed or renamed: fleet pages fetch their matrix
        again, with its columns as they are now."""
        self.loop.post(self.publish.fleet_changed)

    # -- for the pages' sockets ----------------------------------------------------------------

    def open_page(self, page: Page, since: int | None, viewer: Viewer) -> Mailbox | str:
        """A page opened its socket: its mailbox (sent at once what changed since ``since``,
        a sequence number; None: everything), or why it is refused."""
        return self.loop.ask(self._open_page, page, since, viewer)

    def page_left(self, mailbox: Mailbox) -> None:
        self.loop.post(self._page_left, mailbox)

    def catch_up(self, mailbox: Mailbox) -> None:
        """A lagging page emptied its mailbox: it gets its kind's whole state again."""
        self.loop.ask(self.fanout.resync, mailbox)

    def since_of(self, mark: str | None) -> int | None:
        """The sequence number a page's ``since`` mark carries; None for none or one of an
        earlier run of the panel; ``BEFORE_THIS_LOOP`` for one of the loop this host took the
        place of (all this loop sent, its person's notices too, is news to the page).
        ValueError for anything else."""
        if mark is None:
            return None
        matched = MARK.fullmatch(mark)
        if matched is None:
            raise ValueError(f"not a mark of the live state: {mark[:40]!r}")
        if matched["run"] == self.run:
            return int(matched["seq"])
        return BEFORE_THIS_LOOP if matched["run"] == self.previous_run else None

    @property
    def viewer_count(self) -> int:
        """How many pages have their socket open."""
        return self.loop.ask(lambda: len(self.fanout.mailboxes()))

    def pages_by_session(self) -> dict[str, int]:
        """How many pages each login session (by hash) has open."""
        return self.loop.ask(self.fanout.pages_by_session)

    def stream_connected(self, name: str) -> bool:
        """Is Pieces OS's pushed stream ``name`` ("identifiers", "ollama") connected?"""
        return self.loop.ask(self.watch.stream_connected, name)

    @property
    def refresh_seconds(self) -> float:
        """How often the whole list is asked for now: rarely while Pieces OS pushes which
        models change, as configured otherwise."""
        return self.loop.ask(self.watch.refresh_interval)

    def check_sessions(self) -> None:
        """Close every page whose login session ended (or whose user's role changed) now."""
        self.loop.post(close_ended_sessions, self.fanout, self.config, self._farewell, self.name)

    def standings_changed(self, standings: Mapping[int, str]) -> None:
        """These accounts' (by id) role and hosts may read differently now (a host was renamed
        or removed): the headers of their open pages say how."""
        self.loop.post(say_standings, self.fanout, standings, self._standing)

    def take_over(self, previous: "LiveHost", lost_because: str | None) -> None:
        """(Before the fleet lists this host.) It takes the place of ``previous``, whose
        address or name changed: the downloads that one followed are followed on here, or end
        at once (``lost_because``) if Pieces OS has no such download here; its pages,
        reconnecting, are sent all this loop has (see ``since_of``)."""
        self.previous_run = previous.run
        handed = previous.loop.ask(previous.downloads.hand_over)
        self.loop.post(self.downloads.take_over, handed, lost_because)

    def shutdown(self, gone: HostGone | None = None) -> None:
        """Close every page's socket with 1012 (browsers reconnect) and stop every thread.
        With ``gone`` (the host was removed or renamed), the pages that can no longer reach it
        are told why first, and close for good."""

        def stop() -> None:
            if gone is not None:
                if gone.new_name is None:  # removed (a renamed host's successor follows on)
                    self.notices.no_longer_followed(gone.by)
                self._say_gone(gone)
            self.fanout.close_all(SERVICE_RESTART, "server restarting")
            self.downloads.sockets.stop_all()
            self.watch.stop()

        if not self.loop.stopped:
            self.loop.ask(stop)
            self.loop.stop()

    # -- in the loop ---------------------------------------------------------------------------

    def _heard_row(self, model: Model, asked_seq: int | None) -> ModelRow:
        self.models.heard(model, asked_seq)
        return model_row(self.state, model.id)

    def _open_page(self, page: Page, since: int | None, viewer: Viewer) -> Mailbox | str:
        mailbox = self.fanout.open(page, since, viewer)
        if not isinstance(mailbox, str):
            if since == BEFORE_THIS_LOOP:  # rendered before its host was renamed (or moved)
                mailbox.put(
                    self.fragments.host_renamed(page, viewer.standing, self.current_snapshot())
                )
            self.notices.catch_up(mailbox, since)
            self.watch.page_opened()
        self._who_is_online()
        return mailbox

    def _page_left(self, mailbox: Mailbox) -> None:
        self.fanout.close(mailbox)
        self._who_is_online()

    def _who_is_online(self) -> None:
        """Admins' headers say who has a page open (the panel tells them when that changed)."""
        online = self.fanout.online()
        if online != self.state.online:
            self.state.online = online
            self.changed()

    def _farewell(self, mailbox: Mailbox, ending: Ending) -> str:
        return self.fragments.session_ended(mailbox, ending, self.current_snapshot())

    def _standing(self, mailbox: Mailbox, standing: str) -> str:
        return self.fragments.standing(mailbox.page, standing, self.current_snapshot())

    def _say_gone(self, gone: HostGone) -> None:
        for mailbox in self.fanout.mailboxes():
            if gone.ends(mailbox.page_url):
                farewell = self.fragments.host_gone(mailbox, gone, self.current_snapshot())
                mailbox.close(HOST_GONE, "host gone", farewell)

    def _tick(self) -> None:
        """Every second: sessions, stalls and ignored cancels, pending loads, notices that
        have been shown long enough, the local runtime's install or update, the list."""
        if self.fanout.watched:
            close_ended_sessions(self.fanout, self.config, self._farewell, self.name)
        self.downloads.tick(
            self.config["DOWNLOAD_STALL_SECONDS"], self.config["DOWNLOAD_CANCEL_SECONDS"]
        )
        self.models.check_pending_loads()
        self.models.tick()
        self.runtime_jobs.tick()
        self.watch.tick()
