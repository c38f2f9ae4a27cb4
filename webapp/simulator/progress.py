"""Who is listening to which model's download progress, and handing frames to them.

The same hub, keyed by stream name instead of model id, serves the other pushed streams
(Ollama's status, the changed model identifiers).

Broadcasting only appends to one small queue per socket, so a download thread never waits for
a slow client: each socket's own handler thread drains its queue and does the network I/O.
"""

import queue
import threading
from collections import defaultdict


class Subscription:
    """One open progress socket: a queue of frames waiting to be sent, and a drop flag."""

    def __init__(self, model_id: str):
        self.model_id = model_id
        self._frames: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._dropped = threading.Event()

    def deliver(self, frame: str) -> None:
        self._frames.put(frame)

    def drop(self) -> None:
        """Ask the socket's handler to cut the connection (it wakes up at once)."""
        self._dropped.set()
        self._frames.put(None)

    @property
    def dropped(self) -> bool:
        return self._dropped.is_set()

    def next_frame(self, timeout: float) -> str | None:
        """The next frame to send, or None after `timeout` or when dropped."""
        try:
            return self._frames.get(timeout=timeout)
        except queue.Empty:
            return None


class ProgressHub:
    """The set of open progress sockets per model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_model: dict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, model_id: str, first_frames: tuple[str, ...] = ()) -> Subscription:
        """A new socket of `model_id`, which gets `first_frames` before any broadcast frame."""
        subscription = Subscription(model_id)
        for frame in first_frames:
            subscription.deliver(frame)
        with self._lock:
            self._by_model[model_id].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            listeners = self._by_model.get(subscription.model_id)
            if listeners is None:
                return
            listeners.discard(subscription)
            if not listeners:
                del self._by_model[subscription.model_id]

    def broadcast(self, model_id: str, frame: str) -> int:
        """Queue `frame` for every socket of the model; returns how many sockets got it."""
        with self._lock:
            listeners = list(self._by_model.get(model_id, ()))
        for subscription in listeners:
            subscription.deliver(frame)
        return len(listeners)

    def drop_all(self) -> int:
        """Cut every open socket, like a network failure; returns how many were open."""
        with self._lock:
            everyone = [s for listeners in self._by_model.values() for s in listeners]
        for subscription in everyone:
            subscription.drop()
        return len(everyone)

    def open_counts(self) -> dict[str, int]:
        with self._lock:
            return {model_id: len(listeners) for model_id, listeners in self._by_model.items()}
