"""The live hub of a panel process: what every open page must see, as soon as it changes.

- One upstream progress socket per downloading model (``relay.ProgressRelay``), whatever the
  number of viewers, opened when a download starts through the panel or is seen running.
- Every change (a progress frame, an action done through the panel, a change found by the
  background refresh of ``GET /models``) is rendered once per kind of page that shows the model
  and published in that kind's feed (``viewers.Feed``); the dispatcher writes it to each page.
- A background thread, alive while anybody watches or a download runs, refreshes the model list,
  notices stalled downloads and keeps the pages' "unreachable" banner in step.
"""
import logging
import threading
import time
from functools import cached_property

from flask import Flask, g, render_template

from .dispatcher import Dispatcher
from .listing import summarize
from .models import Model
from .progress import BadFrame, DownloadProgress, parse_frame
from .relay import ProgressRelay
from .upstream import PiecesClient, UpstreamError
from .users import User
from .viewers import SERVICE_RESTART, Feed, Page, Viewer

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
# A download the panel tracks but the model list says is not running is given this long to show
# up there (the list may have been fetched just before the download started).
RECONCILE_GRACE_SECONDS = 5.0


class LiveHub:
    def __init__(self, app: Flask, client: PiecesClient):
        self.app = app
        self.client = client
        self.refresh_seconds = app.config["LIVE_REFRESH_SECONDS"]
        self.stall_seconds = app.config["DOWNLOAD_STALL_SECONDS"]
        self._lock = threading.RLock()
        self._pages: dict[Page, Feed] = {}  # each kind of open page: its feed and viewers
        self._models: dict[str, Model] = {}
        self._changed_at: dict[str, float] = {}
        self._downloads: dict[str, DownloadProgress] = {}
        self._stalled: set[str] = set()
        self._failures: dict[str, str] = {}
        self._relays: dict[str, ProgressRelay] = {}
        self._upstream_error: UpstreamError | None = None
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._version = 0  # counts published changes
        self._bursts: dict[Page, list[tuple[str, str]]] = {}
        self._bursts_version = -1
        self._dispatcher = Dispatcher(app.config["LIVE_HEARTBEAT_SECONDS"], self._heartbeat_html)
        self._heartbeat: str | None = None

    # -- what templates read ---------------------------------------------------------------------

    def progress_of(self, model_id: str) -> DownloadProgress | None:
        with self._lock:
            return self._downloads.get(model_id)

    def failure_of(self, model_id: str) -> str | None:
        with self._lock:
            return self._failures.get(model_id)

    def is_stalled(self, model_id: str) -> bool:
        with self._lock:
            return model_id in self._stalled

    # -- viewers ---------------------------------------------------------------------------------

    def connect(self, socket, page: Page) -> Viewer:
        """A page opened its socket: send it, at once, the current state of all it shows."""
        with self._lock:
            known = bool(self._models)
        if not known:
            self._refresh()
        # Under the lock, so no change published meanwhile can be overtaken by older state.
        with self._lock:
            feed = self._pages.setdefault(page, Feed())
            viewer = Viewer(socket, page, feed, self._dispatcher)
            feed.viewers.add(viewer)
            for key, html in self._current_state(page):
                viewer.post(key, html)
        self._dispatcher.add(viewer)
        self._dispatcher.pending((viewer,))
        self._ensure_ticker()
        return viewer

    def disconnect(self, viewer: Viewer) -> None:
        with self._lock:
            viewer.feed.viewers.discard(viewer)
            if not viewer.feed.viewers:
                self._pages.pop(viewer.page, None)
        self._dispatcher.remove(viewer)

    def _current_state(self, page: Page) -> list[tuple[str, str]]:
        """Every fragment a page needs to be up to date, rendered once per page and change:
        a hundred pages reconnecting after a restart cost one rendering, not a hundred."""
        if self._bursts_version != self._version:
            self._bursts = {}
            self._bursts_version = self._version
        if page not in self._bursts:
            state = [("banner", self._render(page, "_banner.html", oob=True,
                                             error=self._upstream_error))]
            models = [model for model in self._models.values() if page.shows(model.id)]
            state += [(f"model-{model.id}", self._render_model(page, model)) for model in models]
            if models and page.model_id is None:
                state.append(("summary", self._render_summary(page)))
            self._bursts[page] = state
        return self._bursts[page]

    @property
    def viewer_count(self) -> int:
        with self._lock:
            return sum(len(feed.viewers) for feed in self._pages.values())

    def viewers(self) -> list[Viewer]:
        with self._lock:
            return [viewer for feed in self._pages.values() for viewer in feed.viewers]

    # -- what the panel reports ------------------------------------------------------------------

    def fetch_models(self) -> list[Model]:
        """``GET /models``, and every open page learns what changed since the last look."""
        asked_at = time.monotonic()
        models = self.client.list_models()
        self._observe(models, asked_at)
        return models

    def _observe(self, models: list[Model], asked_at: float) -> None:
        """Push what changed and relay downloads started elsewhere.

        A model an action changed after ``asked_at`` keeps the action's answer: the list was
        read before it and would show the model as it was.
        """
        with self._lock:
            current = {model.id: model for model in models}
            for model_id, changed_at in self._changed_at.items():
                if changed_at > asked_at and model_id in current and model_id in self._models:
                    current[model_id] = self._models[model_id]
            changed = [model for model in current.values()
                       if model.id not in self._models or self._models[model.id].raw != model.raw]
            gone = set(self._models) - set(current)
            self._models = current
            for model in changed:
                self._publish_model(model)
            if changed or gone:
                self._publish_summary()
        for model_id in gone:
            self._finish_download(model_id)
        for model in current.values():
            self._follow_download_state(model)

    def model_changed(self, model: Model) -> None:
        """Pieces OS just answered with ``model`` (after an action, or asked directly): every
        page sees it now. A model no longer downloading ends the download's tracking at once."""
        with self._lock:
            self._models[model.id] = model
            self._changed_at[model.id] = time.monotonic()
            relay = None if model.downloading else self._stop_tracking(model.id)
            self._publish_model(model)
            self._publish_summary()
        if relay:
            relay.stop()
        if model.downloading:
            self._follow_download_state(model)

    def watch_download(self, model: Model, started_by: str | None) -> None:
        """Open the progress socket before the download starts, so no frame is missed."""
        with self._lock:
            self._failures.pop(model.id, None)
            self._downloads[model.id] = DownloadProgress(
                model.id, size_bytes=model.size_bytes, started_by=started_by)
            relay = self._ensure_relay(model.id)
        relay.connected.wait(self.client.connect_timeout)

    def forget_download(self, model_id: str) -> None:
        """The download did not start after all (its request failed)."""
        self._finish_download(model_id)

    def dismiss_failure(self, model_id: str) -> None:
        with self._lock:
            self._failures.pop(model_id, None)
            model = self._models.get(model_id)
        if model:
            self._publish_model(model)

    def shutdown(self) -> None:
        """Close every page's socket with 1012 (browsers reconnect) and stop every thread."""
        self._stopping.set()
        viewers = self.viewers()
        with self._lock:
            relays = list(self._relays.values())
        for viewer in viewers:
            viewer.close(SERVICE_RESTART)
        self._dispatcher.stop()
        for relay in relays:
            relay.stop()

    # -- downloads -------------------------------------------------------------------------------

    def _follow_download_state(self, model: Model) -> None:
        with self._lock:
            running = model.id in self._downloads
            if model.downloading and not running:
                self._downloads[model.id] = DownloadProgress(model.id, size_bytes=model.size_bytes)
            if model.downloading:
                self._ensure_relay(model.id)
            progress = self._downloads.get(model.id)
            overdue = progress is not None and progress.age() > RECONCILE_GRACE_SECONDS
        if running and not model.downloading and (overdue or not self._relay_alive(model.id)):
            self._finish_download(model.id)

    def _relay_alive(self, model_id: str) -> bool:
        with self._lock:
            relay = self._relays.get(model_id)
            return relay is not None and relay.alive

    def _ensure_relay(self, model_id: str) -> ProgressRelay:
        with self._lock:
            relay = self._relays.get(model_id)
            if relay is None or not relay.alive:
                relay = ProgressRelay(self.client.progress_url(model_id), model_id,
                                      self._on_frame, self._still_downloading,
                                      self.client.connect_timeout).start()
                self._relays[model_id] = relay
        self._ensure_ticker()
        return relay

    def _on_frame(self, model_id: str, data) -> bool:
        """One frame from Pieces OS; True when the download has ended."""
        try:
            frame = parse_frame(data)
        except BadFrame as error:
            log.warning("skipped a progress frame of %s: %s", model_id, error)
            return False
        with self._lock:
            progress = self._downloads.get(model_id)
            if progress is None:
                return True  # a late frame of a download that has already ended here
            progress.apply(frame)
            self._stalled.discard(model_id)
            if frame.status == "FAILED":
                self._failures[model_id] = "The download failed in Pieces OS."
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
        with self._lock:
            relay = self._stop_tracking(model_id)
        if relay:
            relay.stop()
        try:
            self.model_changed(self.client.get_model(model_id))
        except UpstreamError:
            with self._lock:
                model = self._models.get(model_id)
                if model:
                    self._publish_model(model)

    def _stop_tracking(self, model_id: str) -> ProgressRelay | None:
        """Forget a download's progress (under the lock); the caller stops the returned relay."""
        self._downloads.pop(model_id, None)
        self._stalled.discard(model_id)
        return self._relays.pop(model_id, None)

    # -- background refresh ----------------------------------------------------------------------

    def _ensure_ticker(self) -> None:
        with self._lock:
            if self._ticker and self._ticker.is_alive() or self._stopping.is_set():
                return
            self._ticker = threading.Thread(target=self._tick_while_needed, name="live-hub",
                                            daemon=True)
            self._ticker.start()

    def _tick_while_needed(self) -> None:
        next_refresh = time.monotonic()
        while not self._stopping.wait(TICK_SECONDS):
            with self._lock:
                if not self._pages and not self._relays:
                    self._ticker = None
                    return
                watched = bool(self._pages)
            self._mark_stalls()
            if watched and time.monotonic() >= next_refresh:
                self._refresh()
                next_refresh = time.monotonic() + self.refresh_seconds

    def _refresh(self) -> None:
        try:
            self.fetch_models()
        except UpstreamError as error:
            self._set_upstream_error(error)
            return
        self._set_upstream_error(None)

    def _set_upstream_error(self, error: UpstreamError | None) -> None:
        with self._lock:
            if str(error) == str(self._upstream_error):
                return
            self._upstream_error = error
        self._publish("banner", lambda page: self._render(page, "_banner.html", oob=True,
                                                          error=error))

    def _mark_stalls(self) -> None:
        with self._lock:
            newly = [model_id for model_id, progress in self._downloads.items()
                     if model_id not in self._stalled
                     and progress.is_stalled(self.stall_seconds)]
            self._stalled.update(newly)
        for model_id in newly:
            self._publish_progress(model_id)

    # -- rendering and fan-out -------------------------------------------------------------------

    def _publish_model(self, model: Model) -> None:
        self._publish(f"model-{model.id}", lambda page: self._render_model(page, model),
                      model_id=model.id, replaces=(f"progress-{model.id}",))

    def _publish_progress(self, model_id: str) -> None:
        """The same fragment for every page, rendered without a request: it is the one part
        rendered for every frame, and a request context would cost more than the fragment."""
        with self._lock:
            progress = self._downloads.get(model_id)
            if progress is None:
                return  # the download ended meanwhile: the model's new row is on its way
            html = str(self._model_parts.progress_box(
                model_id, progress, model_id in self._stalled, None, True))
            self._publish(f"progress-{model_id}", lambda _page: html, model_id=model_id)

    @cached_property
    def _model_parts(self):
        """The macros of ``_model_parts.html``, callable from Python."""
        return self.app.jinja_env.get_template("_model_parts.html").module

    def _publish_summary(self) -> None:
        self._publish("summary", self._render_summary, list_only=True)

    def _publish(self, key: str, render, model_id: str | None = None,
                 replaces: tuple[str, ...] = (), list_only: bool = False) -> None:
        """Render once per kind of page that shows it, and publish it in that page's feed.

        All under the hub's lock: fragments reach each feed in the order the state changed.
        """
        with self._lock:
            self._version += 1
            feeds = []
            for page, feed in self._pages.items():
                if model_id is not None and not page.shows(model_id) or (
                        list_only and page.model_id):
                    continue
                feed.post(key, render(page), replaces)
                feeds.append(feed)
            self._dispatcher.pending(viewer for feed in feeds for viewer in feed.viewers)

    def _render_model(self, page: Page, model: Model) -> str:
        template = "_card.html" if page.view == "card" else "_row.html"
        return self._render(page, template, model=model, model_id=model.id, error=None,
                            oob=True)

    def _heartbeat_html(self) -> str:
        if self._heartbeat is None:
            self._heartbeat = self._render(Page("/"), "_live_status.html", oob=True)
        return self._heartbeat

    def _render_summary(self, page: Page) -> str:
        with self._lock:
            models = list(self._models.values())
        return self._render(page, "_summary.html", summary=summarize(models), oob=True)

    def _render(self, page: Page, template: str, **context) -> str:
        """Render as the page's own request would, for a user of the page's role."""
        with self.app.test_request_context(page.url, base_url=page.base_url):
            g.user = User(name="", role=page.role, session_epoch=0, created_at="")
            return render_template(template, **context)
