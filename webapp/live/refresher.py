"""The live hub's background thread: alive while anybody watches or something is under way (a
download, a load Pieces OS has not answered), it refreshes the model list and, every tick,
looks at what is under way (stalls, ignored cancels, pending loads) and ends sockets whose
session ended."""
import threading
import time
from collections.abc import Callable

TICK_SECONDS = 1.0


class Refresher:
    """Every tick: ``tick()``; every ``refresh_seconds`` while ``watched()``: ``refresh()``.
    The thread ends when nobody watches and nothing is ``busy()``, and is started again by
    ``ensure_running``."""

    def __init__(self, refresh: Callable[[], None], tick: Callable[[], None],
                 watched: Callable[[], bool], busy: Callable[[], bool],
                 refresh_seconds: float):
        self._refresh = refresh
        self._tick = tick
        self._watched = watched
        self._busy = busy
        self.refresh_seconds = refresh_seconds
        self._thread: threading.Thread | None = None
        self._next_refresh = 0.0
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def ensure_running(self) -> None:
        with self._lock:
            if self._thread and self._thread.is_alive() or self._stopping.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="live-hub", daemon=True)
            self._thread.start()

    def refresh_soon(self) -> None:
        """Refresh at the next tick, whatever the interval (e.g. a pushed stream was lost)."""
        self._next_refresh = 0.0

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        self._next_refresh = time.monotonic()
        while not self._stopping.wait(TICK_SECONDS):
            with self._lock:  # so that ensure_running either sees this thread end or keeps it
                watched = self._watched()
                if not watched and not self._busy():
                    self._thread = None
                    return
            self._tick()
            if watched and time.monotonic() >= self._next_refresh:
                self._next_refresh = time.monotonic() + self.refresh_seconds
                self._refresh()
