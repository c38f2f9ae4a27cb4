"""`WS /models/stream/identifiers`: which models changed, so clients refresh instead of polling.

One `StreamedIdentifiers` frame per change of state (a download starting or ending, a load, an
unload, an update, a creation, a deletion), never per progress percentage.
"""

import json

from .progress import ProgressHub, Subscription

STREAM_KEY = "identifiers"


class ChangeFeed:
    """Pushes the ids of changed models to every open identifiers socket."""

    def __init__(self, streams: ProgressHub):
        self._streams = streams

    def changed(self, *model_ids: str) -> None:
        self._push([{"model": {"id": model_id}} for model_id in model_ids])

    def deleted(self, model_id: str) -> None:
        self._push([{"model": {"id": model_id}, "deleted": True}])

    def subscribe(self) -> Subscription:
        return self._streams.subscribe(STREAM_KEY)

    def _push(self, identifiers: list[dict]) -> None:
        if identifiers:
            self._streams.broadcast(STREAM_KEY, json.dumps({"iterable": identifiers}))
