"""What scripts are told as it happens (the API's ``/events`` stream), beside the pages'
fragments: a download's progress, a model that changed, a download that ended, models that came
or went, a new activity entry.

The host's loop calls ``EventFeed`` where it publishes to the pages (publish.py) and where a
download ends (downloads.py); the feed turns
the live state into small JSON events and hands them to every ``Listener`` (one per open stream,
any thread). A model's event is sent only when what it says changed, so that republishing a row
for the pages repeats nothing.
"""

import queue
from typing import TYPE_CHECKING, Any

from .described import model_json
from .views import model_row

if TYPE_CHECKING:
    from .endings import DownloadEnd
    from .host import LiveHost

#: Events a listener may have waiting; a stream that falls this far behind is ended, and its
#: script reads the state again.
MOST_WAITING = 1000


class Listener:
    """One open event stream: its account and the events waiting for it."""

    def __init__(self, account_id: int):
        self.account_id = account_id
        self.events: queue.Queue[dict[str, Any]] = queue.Queue(MOST_WAITING)
        self.fell_behind = False

    def put(self, event: dict[str, Any]) -> None:
        try:
            self.events.put_nowait(event)
        except queue.Full:
            self.fell_behind = True


class EventFeed:
    def __init__(self, host: "LiveHost", name: str):
        self.host = host
        self.name = name
        # The loop's alone, as all live state: streams join and leave through it.
        self._listeners: set[Listener] = set()
        self._log_listeners: set[Listener] = set()
        self._last: dict[str, dict[str, Any]] = {}  # what each model's events said

    def listen(self, listener: Listener, log_too: bool = True) -> None:
        """(Any thread.) Events from now on go to ``listener``; that the activity log changed,
        only ``log_too`` (the log is the panel's, not the host's: a stream of several hosts
        hears it from one)."""
        self.host.loop.post(self._join, listener, log_too)

    def leave(self, listener: Listener) -> None:
        """(Any thread.)"""
        self.host.loop.post(self._leave, listener)

    def _join(self, listener: Listener, log_too: bool) -> None:
        self._listeners.add(listener)
        if log_too:
            self._log_listeners.add(listener)

    def _leave(self, listener: Listener) -> None:
        self._listeners.discard(listener)
        self._log_listeners.discard(listener)

    def _emit(self, event_type: str, **fields: Any) -> None:
        self._send(self._listeners, {"type": event_type, "host": self.name, **fields})

    @staticmethod
    def _send(listeners: set[Listener], event: dict[str, Any]) -> None:
        for listener in listeners:
            listener.put(event)

    def _changed(self, key: str, said: dict[str, Any]) -> bool:
        if self._last.get(key) == said:
            return False
        self._last[key] = said
        return True

    # -- called by the loop (publish.py) ---------------------------------------------------------

    def progress(self, model_id: str) -> None:
        progress = self.host.state.downloads.get(model_id)
        if progress is None or not self._listeners:
            return
        said = {
            "model": model_id,
            "percentage": round(progress.percentage, 1),
            "bytes_per_second": progress.bytes_per_second,
            "status": progress.status,
        }
        if self._changed(f"progress {model_id}", said):
            self._emit("progress", **said)

    def model(self, model_id: str) -> None:
        if not self._listeners:
            return
        row = model_row(self.host.state, model_id)
        if row.model is not None and self._changed(f"model {model_id}", model_json(row.model, row)):
            self._emit("model", model=model_json(row.model, row))

    def ending(self, model_id: str, ending: "DownloadEnd") -> None:
        """A download ended (once per download)."""
        self._emit(
            "ending",
            model=model_id,
            kind=ending.kind.lower(),
            outcome=ending.outcome,
            detail=ending.detail,
        )

    def models(self, came_or_went: set[str]) -> None:
        if self._listeners and came_or_went:
            self._emit("models", changed=sorted(came_or_went))

    def activity(self) -> None:
        self._send(self._log_listeners, {"type": "activity"})
