"""What a host's loop keeps asking Pieces OS while anybody watches or something is under way:
the whole list now and then (rarely while Pieces OS pushes which models change, at once when
that stream is lost), its version, local runtime and machine when due, and its pushed streams
(``/models/stream/identifiers``, ``/ollama/status/stream``), one socket each (in the loop only).
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, cast

from ..pieces.client import UpstreamError
from ..pieces.device import Device
from ..pieces.model import Model
from ..pieces.runtime import LocalRuntime
from .relay import SocketReader, next_retry

if TYPE_CHECKING:
    from .host import LiveHost

log = logging.getLogger(__name__)

#: ``Listing.device`` when the machine was not asked for (None: asked, and not known).
NOT_ASKED = object()
#: Takes a pushed stream's message, with the loop's seq when the stream connected if it is the
#: stream's first message since (None for the others).
StreamHandler = Callable[[str, int | None], None]


class Listing(NamedTuple):
    models: list[Model]
    instance: tuple[str | None, LocalRuntime] | None  # (version, runtime), when asked for
    device: Device | None | object


class Watch:
    def __init__(self, host: "LiveHost"):
        self.host = host
        self.next_refresh = 0.0
        self.refreshing = False  # a list was asked for and Pieces OS has not answered yet
        self._refreshing_asked = 0  # (while refreshing) the loop's seq when it was asked for
        self._refresh_again = False  # a list asked for later than the one on its way is due
        #: The loop's seq when each pushed stream connected, until its first frame came.
        self._first_frame_due: dict[str, int] = {}
        self._streams: dict[str, SocketReader] = {}
        self._stream_backoff: dict[str, float] = {}  # the last wait before reconnecting
        self._stream_waiting: set[str] = set()  # streams waiting to reconnect

    def tick(self) -> None:
        """(Every second.) The list when due, the streams while anybody watches."""
        host = self.host
        busy = bool(host.state.downloads) or any(
            load.entry_id for load in host.state.loads.values()
        )
        if host.fanout.watched or busy:
            self.list_if_due()
        self.watch_streams()

    def list_if_due(self) -> None:
        if self.host.now() >= self.next_refresh:
            self.refresh()

    def page_opened(self) -> None:
        self.next_refresh = min(self.next_refresh, self.host.now())
        self.watch_streams()

    def stream_connected(self, name: str) -> bool:
        return name in self._streams and self._streams[name].connected.is_set()

    def stop(self) -> None:
        for reader in self._streams.values():
            reader.stop()
        self._streams.clear()

    def refresh_interval(self) -> float:
        pushed = self._streams.get("identifiers")
        if pushed is not None and pushed.connected.is_set() and self.host.state.error is None:
            return self.host.config["LIVE_FALLBACK_REFRESH_SECONDS"]
        return self.host.config["LIVE_REFRESH_SECONDS"]

    def refresh(self) -> None:
        if self.refreshing:
            return
        self.refreshing = True
        asked, due = self.host.loop.seq, self.due()
        self._refreshing_asked = asked
        self.host.spawn(lambda: self.read(*due), lambda answer: self._refreshed(answer, asked))

    def list_since(self, seq: int) -> None:
        """Make sure a list asked for at the loop's ``seq`` or later comes in."""
        if self.refreshing and self._refreshing_asked < seq:
            self._refresh_again = True
        else:
            self.refresh()

    def _refreshed(self, answer: Listing | Exception, asked: int) -> None:
        self.refreshing = False
        if isinstance(answer, UpstreamError):
            self.host.models.upstream_error(answer)
        elif isinstance(answer, Exception):
            raise answer
        else:
            self.take_in(answer, asked)
        self.next_refresh = self.host.now() + self.refresh_interval()
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    def due(self) -> tuple[bool, bool]:
        """Are Pieces OS's version and runtime, and its machine, to be asked for with the list?"""
        return self.host.models.instance_due(), self.host.models.device_due()

    def read(self, instance_due: bool, device_due: bool) -> "Listing":
        """(Outside the loop.) ``GET /models``, and what else is due (UpstreamError: the list
        did not come)."""
        return Listing(
            self.host.client.list_models(),
            self.read_instance() if instance_due else None,
            self.read_device() if device_due else NOT_ASKED,
        )

    def take_in(self, listing: "Listing", asked_seq: int) -> None:
        """What ``read`` brought, asked for at ``asked_seq``: Pieces OS first, then the list."""
        models = self.host.models
        if listing.instance is not None:
            models.instance_heard(*listing.instance)
        if listing.device is not NOT_ASKED:
            # (mypy cannot narrow away a sentinel ``object()``: NOT_ASKED is ruled out above.)
            models.device_heard(cast(Device | None, listing.device))
        models.list_heard(listing.models, asked_seq)

    def read_instance(self) -> tuple[str | None, LocalRuntime]:
        """(Outside the loop.) Pieces OS's version and local runtime; unknown if it does not say."""
        try:
            version = self.host.client.version()
        except UpstreamError:
            version = None
        try:
            runtime = self.host.client.local_runtime()
        except UpstreamError:
            runtime = LocalRuntime("unknown")
        return version, runtime

    def read_device(self) -> Device | None:
        try:
            return self.host.client.device()
        except UpstreamError as error:
            log.info("cannot read the machine of Pieces OS: %s", error)
            return None

    def watch_streams(self) -> None:
        """Pieces OS's pushed streams are read while anybody watches."""
        models = self.host.models
        wanted: dict[str, tuple[Callable[[], str], StreamHandler]] = {
            "identifiers": (self.host.client.identifiers_url, models.identifiers),
            "ollama": (
                self.host.client.runtime_status_url,
                lambda text, _connected_at: models.runtime_status(text),
            ),
        }
        for name, (address, on_message) in wanted.items():
            reader = self._streams.get(name)
            if not self.host.fanout.watched:
                if reader is not None:
                    reader.stop()
                    del self._streams[name]
            elif reader is None and name not in self._stream_waiting:
                self._streams[name] = self.host.open_reader(
                    name,
                    address,
                    partial(self._streamed, handle=on_message),
                    on_lost=self._stream_lost,
                    on_connected=self._stream_connected,
                )

    def _streamed(self, reader: SocketReader, text: str | bytes, handle: StreamHandler) -> None:
        if self._streams.get(reader.name) is reader and isinstance(text, str):
            handle(text, self._first_frame_due.pop(reader.name, None))

    def _stream_connected(self, reader: SocketReader) -> None:
        if self._streams.get(reader.name) is reader:
            self._stream_backoff.pop(reader.name, None)
            self._first_frame_due[reader.name] = self.host.loop.seq

    def _stream_lost(self, reader: SocketReader) -> None:
        """A pushed stream dropped: the list is asked for at once (Pieces OS may have stopped),
        and the stream again after a back-off."""
        if self._streams.get(reader.name) is not reader:
            return
        name = reader.name
        del self._streams[name]
        retry = self._stream_backoff[name] = next_retry(self._stream_backoff.get(name))
        self._stream_waiting.add(name)
        self.next_refresh = self.host.now()

        def again() -> None:
            self._stream_waiting.discard(name)
            self.watch_streams()

        self.host.loop.call_later(retry, again)
