"""`WS /models/stream/identifiers`: which models changed, so clients refresh instead of polling.

One `StreamedIdentifiers` frame per change of state (a download starting or ending, a load, an
unload, an update, a creation, a deletion), never per progress percentage. A socket may first get
a snapshot: one frame naming every model, as the official SDK's identifier streams send.
"""

import json

from .progress import ProgressHub, Subscription

STREAM_KEY = "identifiers"


class ChangeFeed:
    """Pushes the ids of changed models to every open identifiers socket."""

    def __init__(self, streams: ProgressHub):
        self._streams = streams

    def changed(self, *model_ids: str) -> None:
        self._push(_named(list(model_ids)))

    def deleted(self, model_id: str) -> None:
        self._push([{"model": {"id": model_id}, "deleted": True}])

    def subscribe(self, snapshot: list[str] | None = None) -> Subscription:
        """A new socket; with ``snapshot`` (every model's id), its first frame names them all."""
        if snapshot is None:
            return self._streams.subscribe(STREAM_KEY)
        return self._streams.subscribe(STREAM_KEY, (_frame(_named(snapshot)),))

    def _push(self, identifiers: list[dict]) -> None:
        if identifiers:
            self._streams.broadcast(STREAM_KEY, _frame(identifiers))


def _named(model_ids: list[str]) -> list[dict]:
    return [{"model": {"id": model_id}} for model_id in model_ids]


def _frame(identifiers: list[dict]) -> str:
    return json.dumps({"iterable": identifiers})
