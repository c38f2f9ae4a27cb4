"""The live hub of a panel process: what every open page must see, as soon as it changes.

It ties the parts together: the models as last heard (``ModelBoard``), the downloads and their
upstream relays (``DownloadTracker``), the background refresh (``Refresher``), and the fan-out of
rendered fragments (``Fragments`` -> ``Publisher`` -> feeds -> ``Dispatcher`` -> pages).
"""
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from flask import Flask
from wsproto.connection import Connection

from .. import db
from ..activity import log as activity_log
from ..pieces.client import ModelGone, PiecesClient, UpstreamError
from ..pieces.model import Model
from ..pieces.runtime import LocalRuntime
from ..pieces.streams import changed_models, runtime_status
from .board import Instance, ModelBoard
from .dispatcher import Dispatcher
from .endings import COMPLETED, STOPPED_WITHOUT_A_WORD, ending_of
from .fragments import Fragments
from .loads import PendingLoad, PendingLoads
from .page_socket import MAX_INCOMING_MESSAGE_BYTES, SERVICE_RESTART, PageSocket
from .pages import Page
from .progress import BadFrame, DownloadProgress, parse_frame
from .publisher import Publisher
from .quota import SocketQuota, sockets_allowed
from .refresher import Refresher
from .relay import ProgressRelay
from .session_check import SessionCheck
from .streams import PushedStream
from .tracker import STALE, UNTRACKED, DownloadTracker
from .viewers import Viewer

log = logging.getLogger(__name__)
T = TypeVar("T")

# A load past its timeout is checked this often, and given up on after the second figure.
LOAD_CHECK_SECONDS = 3.0
LOAD_GIVE_UP_SECONDS = 1800.0
# How often the version and local runtime of Pieces OS are asked for while all is well.
INSTANCE_CHECK_SECONDS = 30.0
# How often its machine (RAM, GPUs) is asked for once known: it rarely changes.
DEVICE_CHECK_SECONDS = 600.0
#: The name under which the panel itself writes to the activity log.
PANEL_USER = "(panel)"
#: Who started a download the panel saw running but did not start.
OTHER_TOOL_USER = "(another tool)"


class RunningDownload(NamedTuple):
    model_id: str
    name: str
    started_by: str | None


class LiveHub:
    def __init__(self, app: Flask, client: PiecesClient):
        self.client = client
        client.on_moved = self._pieces_os_moved
        self.database = app.config["DATABASE"]
        self.stall_seconds = app.config["DOWNLOAD_STALL_SECONDS"]
        self.cancel_seconds = app.config["DOWNLOAD_CANCEL_SECONDS"]
        self.board = ModelBoard((app.config["PIECES_OS_MIN_VERSION"],
                                 app.config["PIECES_OS_BELOW_VERSION"]))
        self.tracker = DownloadTracker(self._open_relay)
        self.loads = PendingLoads()
        self._instance_checked_at: float | None = None
        self._device_checked_at: float | None = None
        self._loaded_ram: int | None = None  # as the Load buttons' fit warnings last said
        self.fragments = Fragments(app)
        self._dispatcher = Dispatcher(app.config["LIVE_HEARTBEAT_SECONDS"],
                                      lambda: self.fragments.heartbeat, self._page_gone)
        # A ping every half interval, and a close at the next one if it got no pong: a vanished
        # browser's page is let go within LIVE_PING_SECONDS.
        self._ping_seconds = app.config["LIVE_PING_SECONDS"] / 2
        self.publisher = Publisher(self._dispatcher)
        self.quota = SocketQuota(app.config["LIVE_SOCKETS_PER_ACCOUNT"],
                                 sockets_allowed(app.config["LIVE_SOCKETS_TOTAL"]))
        self.sessions = SessionCheck(app.config, self.publisher.viewers)
        self.refresher = Refresher(self._refresh, self._tick,
                                   watched=lambda: self.publisher.watched,
                                   busy=lambda: self.tracker.relaying or bool(self.loads),
                                   refresh_seconds=app.config["LIVE_REFRESH_SECONDS"])
        self._stopping = threading.Event()
        # Pushed by Pieces OS while pages are open: which models changed (the list is then
        # polled only as a fallback, every LIVE_FALLBACK_REFRESH_SECONDS) and Ollama's state.
        self._refresh_seconds = app.config["LIVE_REFRESH_SECONDS"]
        self._fallback_refresh_seconds = app.config["LIVE_FALLBACK_REFRESH_SECONDS"]
        self.identifiers = PushedStream(
            "identifiers", client.identifiers_url, self._on_identifiers,
            lambda: self.publisher.watched,
            client.connect_timeout, on_connected=self._identifiers_connected)
        self.runtime_stream = PushedStream(
            "ollama", client.runtime_status_url, self._on_runtime_status,
            lambda: self.publisher.watched,
            client.connect_timeout)

    # -- pages -----------------------------------------------------------------------------------

    def connect(self, sock: socket.socket, connection: Connection, page: Page,
                session_hash: str | None, account_id: int,
                rendered_at: int | None = None) -> Viewer:
        """A page opened its socket (see page_socket.take_over), as ``account_id`` in login
        session ``session_hash``, which counts in the quota until the page is gone: send it, at
        once, what changed of all it shows since it was rendered (``rendered_at``, a revision
        of the publisher; None: the current state of all of it)."""
        if not self.board.known:
            self._refresh()
        elif self._instance_checked_at is None:
            self._check_instance()
        page_socket = PageSocket(sock, connection, self._ping_seconds, MAX_INCOMING_MESSAGE_BYTES)
        viewer = self.publisher.open_page(page_socket, page, self._current_state, session_hash,
                                          account_id, rendered_at)
        self.refresher.ensure_running()
        self.identifiers.ensure_running()
        self.runtime_stream.ensure_running()
        return viewer

    def _page_gone(self, viewer: Viewer) -> None:
        """(The dispatcher, once it shut the page's socket.)"""
        self.publisher.close_page(viewer)
        self.quota.give_back(viewer.account_id)

    def _current_state(self, page: Page) -> list[tuple[str, str]]:
        """Every fragment a page needs to be up to date."""
        state = [("banner", self.fragments.banner(page, self.board.error, self.board.listed_at)),
                 ("notices", self.fragments.notices(page)), ("footer", self.fragments.footer(page)),
                 ("downloads", self.fragments.downloads(page))]
        models = [model for model in self.board.all() if page.shows(model.id)]
        state += [(f"model-{model.id}", self.fragments.model(page, model.id, model))
                  for model in models]
        # A bar that moved after its row was published is newer than the row: a page rendered
        # in between lacks the bar alone.
        state += [(f"progress-{model.id}", self._progress_html(model.id)) for model in models
                  if self.tracker.progress_of(model.id) is not None]
        if models and page.kind == "list":
            state.append(("summary", self.fragments.summary(page, self.board.all())))
            state.append(("machine", self.fragments.machine(page)))
        if page.kind == "detail":
            state.append(("history", self.fragments.history(page)))
        return state

    def downloads_in_progress(self) -> list[RunningDownload]:
        """The downloads running now, named as the model list names them (for templates)."""
        return [RunningDownload(progress.model_id, model.name if model else progress.model_id,
                                progress.started_by)
                for progress in self.tracker.running()
                for model in (self.board.get(progress.model_id),)]

    def instance(self) -> Instance:
        """Pieces OS as the pages describe it (for templates). Rendering a page never asks
        Pieces OS (a refused request must reach nothing): the list, a refresh or a page's live
        socket do."""
        return self.board.instance(self.client.base_url)

    @property
    def viewer_count(self) -> int:
        return len(self.publisher.viewers())

    def viewers(self) -> list[Viewer]:
        return self.publisher.viewers()

    # -- what the panel reports ------------------------------------------------------------------

    def fetch_models(self) -> list[Model]:
        """``GET /models``, and every open page learns what changed since the last look; a
        download seen running elsewhere is relayed too."""
        asked_at = time.monotonic()
        models = self.client.list_models()
        self._check_instance()
        current, changed, gone = self.board.observe(models, asked_at)
        for model in changed:
            self._publish_model(model.id)
        if changed or gone:
            self._publish_summary()
        for model_id in gone:
            self._finish_download(model_id)
        for model in current:
            self._follow_download_state(model, asked_at)
        return models

    def model_changed(self, model: Model, asked_at: float | None = None) -> None:
        """Pieces OS just answered with ``model`` (after an action, or asked directly): every
        page sees it now. A model no longer downloading ends the download's tracking at once,
        unless the panel started it moments ago (Pieces OS may still be starting it) or its
        progress socket is still there to say how it ended (the refresh settles it otherwise).
        After a cancel asked here, that answer is the ending: the row must not show a progress
        bar beside "not downloaded" until the socket's last frame comes."""
        if not self.board.put(model, asked_at):
            return  # an answer Pieces OS gave later is already shown
        if (not model.downloading and not self.tracker.awaiting_start(model.id)
                and (self.tracker.cancel_requested(model.id)
                     or not self.tracker.final_status_expected(model.id))):
            self._download_ended(self.tracker.stop_tracking(model.id), model)
        if model.loaded:
            self._settle_load(model.id, "ok", "Pieces OS loaded the model.")
        self._publish_model(model.id)
        self._publish_summary()
        if model.downloading:
            self._follow_download_state(model)

    def watch_download(self, model: Model, started_by: str, entry: int) -> None:
        """Open the progress socket before the download starts, so no frame is missed; its
        pending activity ``entry`` is settled with how it ends."""
        relay = self.tracker.watch(model, started_by, entry)
        self._publish_downloads()
        self.refresher.ensure_running()
        relay.connected.wait(self.client.connect_timeout)

    def download_answered(self, model_id: str) -> None:
        """Pieces OS answered the download request (see ``tracker.STALE``)."""
        self.tracker.answered(model_id)

    def forget_download(self, model_id: str) -> None:
        """The download did not start after all (its request failed, and its log entry says
        so): nothing ended."""
        self.tracker.stop_tracking(model_id)
        self._publish_downloads()
        if self.board.get(model_id):
            self._publish_model(model_id)

    def cancel_requested(self, model_id: str, by: str) -> None:
        """Somebody asked Pieces OS to cancel the download: the row says so until it stops."""
        self.tracker.request_cancel(model_id, by)
        self._publish_progress(model_id)

    def cancel_pending(self, model_id: str, entry_id: int) -> None:
        """Pieces OS answered the cancel still downloading: its log entry is settled when the
        download ends (or found to go on regardless)."""
        progress = self.tracker.progress_of(model_id)
        if progress is None:
            return
        progress.cancel_entry = entry_id

    def load_started(self, model: Model, by: str) -> None:
        """A load is asked of Pieces OS: every page says so until it answers."""
        self.loads.add(PendingLoad(model.id, by))
        self._publish_model(model.id)

    def load_ended(self, model_id: str) -> None:
        """A load's request ended without the model loaded (it failed, or Pieces OS said so)."""
        self.loads.pop(model_id)
        self._publish_model(model_id)

    def load_pending(self, model: Model, entry_id: int) -> None:
        """Pieces OS has not answered a load within the timeout: check on it until it settles."""
        load = self.loads.get(model.id)
        if load is not None:
            load.entry_id = entry_id
        self.refresher.ensure_running()
        self.model_changed(model)

    def refresh_now(self) -> None:
        """Ask for the whole list now (after a change that removed or touched many models)."""
        self._refresh()

    def dismiss_ending(self, model_id: str) -> None:
        """The row stops saying how the last download ended, for everybody."""
        self.tracker.dismiss_ending(model_id)
        if self.board.get(model_id):
            self._publish_model(model_id)

    def activity_changed(self) -> None:
        """The activity log changed: Activity pages fetch their list again, model pages get
        their model's recent entries."""
        self.publisher.publish("activity-changed", self.fragments.activity_changed,
                               kind="activity")
        self.publisher.publish("history", self.fragments.history, kind="detail")

    def shutdown(self) -> None:
        """Close every page's socket with 1012 (browsers reconnect) and stop every thread."""
        self._stopping.set()
        self.refresher.stop()
        self.identifiers.stop()
        self.runtime_stream.stop()
        for viewer in self.publisher.viewers():
            viewer.close(SERVICE_RESTART, "server restarting")
        self._dispatcher.stop()  # returns once every page is closed (or after a short grace)
        self.tracker.stop_all()

    # -- downloads -------------------------------------------------------------------------------

    def _follow_download_state(self, model: Model, asked_at: float | None = None) -> None:
        ended, seen = self.tracker.follow(model, asked_at)
        if seen is not None:
            seen.entry, seen.started_by = self._log_download_seen(model)
            self._publish_downloads()
        if ended:
            self._finish_download(model.id)
        elif model.downloading:
            self.refresher.ensure_running()

    def _open_relay(self, model_id: str) -> ProgressRelay:
        return ProgressRelay(lambda: self.client.progress_url(model_id), model_id,
                             self._on_frame, self._still_downloading,
                             self.client.connect_timeout).start()

    def _on_frame(self, model_id: str, data: str | bytes) -> bool:
        """One frame from Pieces OS; True when the download has ended."""
        try:
            frame = parse_frame(data)
        except BadFrame as error:
            log.warning("skipped a progress frame of %s: %s", model_id, error)
            return False
        outcome = self.tracker.apply(model_id, frame)
        if outcome == UNTRACKED:
            return True  # a late frame of a download that has already ended here
        if outcome == STALE:
            if self.tracker.awaiting_answer(model_id) or self._downloading_now(model_id):
                log.info("ignored %s of %s: left from an earlier attempt", frame.status, model_id)
                return False
            # Pieces OS says it is over: this attempt ended before a frame of it was heard.
            self.tracker.apply(model_id, frame, ends_this_attempt=True)
        if frame.is_terminal:
            self._finish_download(model_id)
            return True
        self._publish_progress(model_id)
        return False

    def _downloading_now(self, model_id: str) -> bool:
        """Does ``GET /model/{id}`` say the model is downloading (or not answer)?"""
        try:
            return self.client.get_model(model_id).downloading
        except UpstreamError:
            return True  # unknown: the next look at the model list settles it

    def _still_downloading(self, model_id: str) -> bool:
        """Asked by a relay whose socket dropped: reconcile with ``GET /model/{id}``."""
        try:
            model = self.client.get_model(model_id)
        except UpstreamError as error:
            log.info("cannot check %s after its progress socket dropped: %s", model_id, error)
            self.tracker.interrupted(model_id, "Pieces OS became unreachable")
            return not self._stopping.is_set()
        if model.downloading:
            return not self._stopping.is_set()
        self.model_changed(model)
        return False

    def _finish_download(self, model_id: str) -> None:
        """The download ended (or vanished): stop its relay, log how it ended and show the
        model as it is now."""
        progress = self.tracker.stop_tracking(model_id)
        try:
            model = self.client.get_model(model_id)
        except UpstreamError as error:
            self._download_ended(progress, None, "the model vanished from Pieces OS"
                                 if isinstance(error, ModelGone) else
                                 "Pieces OS became unreachable")
            if self.board.get(model_id):
                self._publish_model(model_id)
            return
        self._download_ended(progress, model)
        self.model_changed(model)

    def _download_ended(self, progress: DownloadProgress | None, model: Model | None,
                        lost_because: str | None = None) -> None:
        """Settle the download's log entries (its own, and a cancel's left pending) with how it
        ended, which its row says from now on. ``model``: Pieces OS's answer since (None: none
        came, for ``lost_because``)."""
        if progress is None:
            return
        self._publish_downloads()
        ending = ending_of(progress, model, lost_because or progress.interruption
                           or STOPPED_WITHOUT_A_WORD)
        # The log first: whoever sees the ending on a row finds it in the activity log too.
        if progress.entry is not None:
            self._settle(progress.entry, ending.outcome, ending.detail)
        if progress.cancel_entry is not None:
            if ending.kind == COMPLETED:
                self._settle(progress.cancel_entry, "failed",
                             "Pieces OS did not stop the download: it completed.")
            else:
                self._settle(progress.cancel_entry, "ok", "Pieces OS stopped the download.")
            progress.cancel_entry = None
        self.tracker.ended(progress.model_id, ending)

    # -- background refresh ----------------------------------------------------------------------

    def _refresh(self) -> None:
        try:
            self.fetch_models()
        except UpstreamError as error:
            self._set_upstream_error(error)
            return
        self._set_upstream_error(None)

    def _tick(self) -> None:
        """Every second while pages are open or something is under way."""
        self.sessions.check()
        self._mark_stalls()
        self._mark_ignored_cancels()
        self._check_pending_loads()

    def _check_instance(self) -> None:
        """Ask Pieces OS its version and the state of its local runtime: when unknown, while
        the runtime is not ready, and every INSTANCE_CHECK_SECONDS otherwise."""
        self._check_device()
        instance = self.board.instance(self.client.base_url)
        fresh = (self._instance_checked_at is not None
                 and time.monotonic() - self._instance_checked_at < INSTANCE_CHECK_SECONDS)
        ready = instance.runtime is not None and not instance.runtime.blocks_local_models
        if fresh and instance.version is not None and ready:
            return
        self._instance_checked_at = time.monotonic()
        try:
            version = self.client.version()
        except UpstreamError:
            version = None
        try:
            runtime = self.client.local_runtime()
        except UpstreamError:
            runtime = LocalRuntime("unknown")
        self._instance_heard(version, runtime)

    def _instance_heard(self, version: str | None, runtime: LocalRuntime) -> None:
        """Pieces OS told its version and local runtime: the pages show what changed."""
        before = self.board.instance(self.client.base_url).runtime
        if self.board.set_instance(version, runtime):
            self._publish_instance()
            was_blocking = before is not None and before.blocks_local_models
            if runtime.blocks_local_models != was_blocking:  # local rows explain it, or stop
                for model in self.board.all():
                    self._publish_model(model.id)

    # -- pushed streams --------------------------------------------------------------------------

    def _identifiers_connected(self, connected: bool) -> None:
        """While Pieces OS pushes which models change, the list is polled only as a fallback;
        when the stream is lost (Pieces OS may have stopped), at once and then as often as
        before."""
        self.refresher.refresh_seconds = (self._fallback_refresh_seconds if connected
                                          else self._refresh_seconds)
        if not connected:
            self.refresher.refresh_soon()

    def _on_identifiers(self, text: str) -> None:
        """Models changed: ask for those alone (``GET /model/{id}``); a deleted one, or one
        gone meanwhile, makes the whole list be asked again."""
        for model_id, deleted in changed_models(text):
            try:
                if not deleted:
                    asked_at = time.monotonic()
                    self.model_changed(self.client.get_model(model_id), asked_at)
                    continue
            except ModelGone:
                pass
            except UpstreamError as error:
                log.info("cannot read %s, which Pieces OS said changed: %s", model_id, error)
                continue
            self._refresh()

    def _on_runtime_status(self, text: str) -> None:
        """Ollama's state changed (an install or update moved on): every page shows it."""
        runtime = runtime_status(text)
        if runtime is not None:
            self._instance_heard(self.board.instance(self.client.base_url).version, runtime)

    def _check_device(self) -> None:
        """Ask Pieces OS about its machine: when unknown (at most every INSTANCE_CHECK_SECONDS)
        and every DEVICE_CHECK_SECONDS otherwise. No answer reads as unknown."""
        known = self.board.instance(self.client.base_url).device is not None
        interval = DEVICE_CHECK_SECONDS if known else INSTANCE_CHECK_SECONDS
        if (self._device_checked_at is not None
                and time.monotonic() - self._device_checked_at < interval):
            return
        self._device_checked_at = time.monotonic()
        try:
            device = self.client.device()
        except UpstreamError as error:
            log.info("cannot read the machine of Pieces OS: %s", error)
            device = None
        if self.board.set_device(device):
            self._publish_machine()
            self._publish_fit(force=True)

    def _pieces_os_moved(self, old_url: str, new_url: str) -> None:
        """The client found Pieces OS at a new address (it restarted on another port)."""
        log.warning("Pieces OS moved from %s to %s", old_url, new_url)
        self.board.moved(old_url, new_url)
        self._instance_checked_at = self._device_checked_at = None
        self.tracker.interrupt_all("Pieces OS restarted")
        self._log("pieces-os-moved", "ok", f"Pieces OS moved from {old_url} to {new_url}.")
        self._publish_instance()

    def _mark_ignored_cancels(self) -> None:
        for progress in self.tracker.mark_ignored_cancels(self.cancel_seconds):
            if progress.cancel_entry is not None:
                self._settle(progress.cancel_entry, "failed",
                             f"Pieces OS was still downloading {self.cancel_seconds:g} s "
                             "after the cancel.")
                progress.cancel_entry = None
            self._publish_progress(progress.model_id)

    def _check_pending_loads(self) -> None:
        for load in self.loads.due(LOAD_CHECK_SECONDS):
            try:
                model = self.client.get_model(load.model_id)
            except UpstreamError as error:
                log.info("cannot check the pending load of %s: %s", load.model_id, error)
                continue
            if model.loaded:
                self.model_changed(model)  # settles it
            elif load.age() > LOAD_GIVE_UP_SECONDS:
                self._settle_load(load.model_id, "failed",
                                  f"Pieces OS had not loaded the model after "
                                  f"{LOAD_GIVE_UP_SECONDS / 60:.0f} minutes.")
                self.model_changed(model)

    def _settle_load(self, model_id: str, outcome: str, detail: str) -> None:
        load = self.loads.pop(model_id)
        if load is not None and load.entry_id is not None:
            self._settle(load.entry_id, outcome, detail)

    # -- the activity log, written from outside any request --------------------------------------

    def _log(self, action: str, outcome: str, detail: str) -> None:
        self._write_log(lambda connection: activity_log.record(
            connection, user=PANEL_USER, action=action, outcome=outcome, detail=detail))

    def _settle(self, entry_id: int, outcome: str, detail: str) -> None:
        self._write_log(lambda connection: activity_log.settle(connection, entry_id, outcome,
                                                               detail))

    def _log_download_seen(self, model: Model) -> tuple[int, str]:
        """A download the panel did not start here is running: its pending entry (left by a
        panel that stopped meanwhile) or a new one; returns the entry and who started it."""
        def write(connection: sqlite3.Connection) -> tuple[int, str]:
            pending = activity_log.pending_download(connection, model.id)
            if pending is not None:
                return pending.id, pending.user
            return activity_log.record(
                connection, user=OTHER_TOOL_USER, action="download", outcome="pending",
                model_id=model.id, model_name=model.name,
                detail="Seen downloading: started outside the panel."), OTHER_TOOL_USER

        return self._write_log(write)

    def _write_log(self, write: Callable[[sqlite3.Connection], T]) -> T:
        """Write to the log outside any request (no listener hears of it), and tell the pages."""
        connection = db.connect(self.database)
        try:
            written = write(connection)
        finally:
            connection.close()
        self.activity_changed()
        return written

    def _set_upstream_error(self, error: UpstreamError | None) -> None:
        if self.board.set_error(error):
            self.publisher.publish("banner", lambda page: self.fragments.banner(
                page, self.board.error, self.board.listed_at))

    def _mark_stalls(self) -> None:
        for model_id in self.tracker.mark_stalls(self.stall_seconds):
            self._publish_progress(model_id)

    # -- publishing ------------------------------------------------------------------------------
    # Each renders from the state as it is when rendered, never from a copy taken earlier: a
    # publication that starts later then never shows older state (see ``Publisher``).

    def _publish_model(self, model_id: str) -> None:
        def render(page: Page) -> str:
            return self.fragments.model(page, model_id, self.board.get(model_id))

        if self.board.get(model_id):
            self.publisher.publish(f"model-{model_id}", render, model_id=model_id,
                                   replaces=(f"progress-{model_id}",))

    def _publish_progress(self, model_id: str) -> None:
        if self.tracker.progress_of(model_id) is not None:
            self.publisher.publish(f"progress-{model_id}",
                                   lambda _page: self._progress_html(model_id),
                                   model_id=model_id, same_for_all=True)

    def _progress_html(self, model_id: str) -> str:
        return self.fragments.progress(model_id, self.tracker.progress_of(model_id),
                                       self.tracker.is_stalled(model_id))

    def _publish_instance(self) -> None:
        """What the pages say of Pieces OS itself: notices and footer."""
        self.publisher.publish("notices", self.fragments.notices)
        self.publisher.publish("footer", self.fragments.footer)
        self._publish_machine()

    def _publish_machine(self) -> None:
        """The machine card of the list: the machine, its memory in use, the local runtime."""
        self.publisher.publish("machine", self.fragments.machine, kind="list")

    def _publish_fit(self, force: bool = False) -> None:
        """The rows whose Load button may now warn (or stop warning) that the model does not
        fit: those of loadable models, when the memory in use changed."""
        loaded_ram = sum(model.ram_bytes or 0 for model in self.board.all() if model.loaded)
        if loaded_ram == self._loaded_ram and not force:
            return
        self._loaded_ram = loaded_ram
        for model in self.board.all():
            if model.can_load:
                self._publish_model(model.id)

    def _publish_downloads(self) -> None:
        self.publisher.publish("downloads", self.fragments.downloads)

    def _publish_summary(self) -> None:
        self.publisher.publish("summary",
                               lambda page: self.fragments.summary(page, self.board.all()),
                               kind="list")
        self._publish_machine()
        self._publish_fit()
