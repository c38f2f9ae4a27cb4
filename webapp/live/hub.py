"""The live hub of a panel process: what every open page must see, as soon as it changes.

It ties the parts together: the models as last heard (``ModelBoard``), the downloads and their
upstream relays (``DownloadTracker``), the background refresh (``Refresher``), and the fan-out of
rendered fragments (``Fragments`` -> ``Publisher`` -> feeds -> ``Dispatcher`` -> pages).
"""
import logging
import threading
import time

from flask import Flask

from ..pieces.client import PiecesClient, UpstreamError
from ..pieces.model import Model
from .board import ModelBoard
from .dispatcher import Dispatcher
from .fragments import Fragments
from .pages import Page
from .progress import BadFrame, parse_frame
from .publisher import Publisher
from .quota import SocketQuota
from .refresher import Refresher
from .relay import ProgressRelay
from .session_check import SessionCheck
from .tracker import DownloadTracker
from .viewers import SERVICE_RESTART, Viewer

log = logging.getLogger(__name__)


class LiveHub:
    def __init__(self, app: Flask, client: PiecesClient):
        self.client = client
        self.stall_seconds = app.config["DOWNLOAD_STALL_SECONDS"]
        self.board = ModelBoard()
        self.tracker = DownloadTracker(self._open_relay)
        self.fragments = Fragments(app)
        self._dispatcher = Dispatcher(app.config["LIVE_HEARTBEAT_SECONDS"],
                                      lambda: self.fragments.heartbeat)
        self.publisher = Publisher(self._dispatcher)
        self.quota = SocketQuota(app.config["LIVE_SOCKETS_PER_ACCOUNT"],
                                 app.config["LIVE_SOCKETS_TOTAL"])
        self.sessions = SessionCheck(app.config, self.publisher.viewers)
        self.refresher = Refresher(self._refresh, self._tick,
                                   watched=lambda: self.publisher.watched,
                                   relaying=lambda: self.tracker.relaying,
                                   refresh_seconds=app.config["LIVE_REFRESH_SECONDS"])
        self._stopping = threading.Event()

    # -- pages -----------------------------------------------------------------------------------

    def connect(self, socket, page: Page, session_hash: str | None) -> Viewer:
        """A page opened its socket (in that login session): send it, at once, the current
        state of all it shows."""
        if not self.board.known:
            self._refresh()
        viewer = self.publisher.open_page(socket, page, self._current_state, session_hash)
        self.refresher.ensure_running()
        return viewer

    def disconnect(self, viewer: Viewer) -> None:
        self.publisher.close_page(viewer)

    def _current_state(self, page: Page) -> list[tuple[str, str]]:
        """Every fragment a page needs to be up to date."""
        state = [("banner", self.fragments.banner(page, self.board.error))]
        models = [model for model in self.board.all() if page.shows(model.id)]
        state += [(f"model-{model.id}", self.fragments.model(page, model.id, model))
                  for model in models]
        if models and page.model_id is None:
            state.append(("summary", self.fragments.summary(page, self.board.all())))
        return state

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
        current, changed, gone = self.board.observe(models, asked_at)
        for model in changed:
            self._publish_model(model.id)
        if changed or gone:
            self._publish_summary()
        for model_id in gone:
            self._finish_download(model_id)
        for model in current:
            self._follow_download_state(model)
        return models

    def model_changed(self, model: Model) -> None:
        """Pieces OS just answered with ``model`` (after an action, or asked directly): every
        page sees it now. A model no longer downloading ends the download's tracking at once."""
        self.board.put(model)
        if not model.downloading:
            self.tracker.stop_tracking(model.id)
        self._publish_model(model.id)
        self._publish_summary()
        if model.downloading:
            self._follow_download_state(model)

    def watch_download(self, model: Model, started_by: str | None) -> None:
        """Open the progress socket before the download starts, so no frame is missed."""
        relay = self.tracker.watch(model, started_by)
        self.refresher.ensure_running()
        relay.connected.wait(self.client.connect_timeout)

    def forget_download(self, model_id: str) -> None:
        """The download did not start after all (its request failed)."""
        self._finish_download(model_id)

    def dismiss_failure(self, model_id: str) -> None:
        self.tracker.dismiss_failure(model_id)
        if self.board.get(model_id):
            self._publish_model(model_id)

    def shutdown(self) -> None:
        """Close every page's socket with 1012 (browsers reconnect) and stop every thread."""
        self._stopping.set()
        self.refresher.stop()
        for viewer in self.publisher.viewers():
            viewer.close(SERVICE_RESTART, "server restarting")
        self._dispatcher.stop()
        self.tracker.stop_all()

    # -- downloads -------------------------------------------------------------------------------

    def _follow_download_state(self, model: Model) -> None:
        if self.tracker.follow(model):
            self._finish_download(model.id)
        elif model.downloading:
            self.refresher.ensure_running()

    def _open_relay(self, model_id: str) -> ProgressRelay:
        return ProgressRelay(self.client.progress_url(model_id), model_id, self._on_frame,
                             self._still_downloading, self.client.connect_timeout).start()

    def _on_frame(self, model_id: str, data: str | bytes) -> bool:
        """One frame from Pieces OS; True when the download has ended."""
        try:
            frame = parse_frame(data)
        except BadFrame as error:
            log.warning("skipped a progress frame of %s: %s", model_id, error)
            return False
        if not self.tracker.apply(model_id, frame):
            return True  # a late frame of a download that has already ended here
        if frame.is_terminal:
            self._finish_download(model_id)
            return True
        self._publish_progress(model_id)
        return False

    def _still_downloading(self, model_id: str) -> bool:
        """Asked by a relay whose socket dropped: reconcile with ``GET /model/{id}``."""
        try:
            model = self.client.get_model(model_id)
        except UpstreamError as error:
            log.info("cannot check %s after its progress socket dropped: %s", model_id, error)
            return not self._stopping.is_set()
        if model.downloading:
            return not self._stopping.is_set()
        self.model_changed(model)
        return False

    def _finish_download(self, model_id: str) -> None:
        """The download ended (or vanished): stop its relay and show the model as it is now."""
        self.tracker.stop_tracking(model_id)
        try:
            self.model_changed(self.client.get_model(model_id))
        except UpstreamError:
            if self.board.get(model_id):
                self._publish_model(model_id)

    # -- background refresh ----------------------------------------------------------------------

    def _refresh(self) -> None:
        try:
            self.fetch_models()
        except UpstreamError as error:
            self._set_upstream_error(error)
            return
        self._set_upstream_error(None)

    def _set_upstream_error(self, error: UpstreamError | None) -> None:
        if self.board.set_error(error):
            self.publisher.publish(
                "banner", lambda page: self.fragments.banner(page, self.board.error))

    def _tick(self) -> None:
        """Every second while pages are open or downloads run."""
        self.sessions.check()
        self._mark_stalls()

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
        def render(_page: Page) -> str:
            return self.fragments.progress(model_id, self.tracker.progress_of(model_id),
                                           self.tracker.is_stalled(model_id))

        if self.tracker.progress_of(model_id) is not None:
            self.publisher.publish(f"progress-{model_id}", render, model_id=model_id,
                                   same_for_all=True)

    def _publish_summary(self) -> None:
        self.publisher.publish("summary",
                               lambda page: self.fragments.summary(page, self.board.all()),
                               list_only=True)
