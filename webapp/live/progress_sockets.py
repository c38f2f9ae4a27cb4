"""The upstream progress sockets of one host's downloads: one per download the host follows,
whatever the number of pages watching. A socket lost while Pieces OS still downloads is opened
again with back-off; a socket back never measures a rate across its gap.

Every method runs in the host's loop (``LiveHost``); the sockets' threads only post.
"""

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..pieces.client import UpstreamError
from ..pieces.model import Model
from .relay import SocketReader, next_retry

if TYPE_CHECKING:
    from .host import LiveHost


class ProgressSockets:
    def __init__(self, host: "LiveHost", on_frame: Callable[[str, str | bytes], None]):
        """``on_frame(model_id, data)`` takes each frame of a socket the host still follows."""
        self.host = host
        self.state = host.state
        self._on_frame = on_frame
        self._sockets: dict[str, SocketReader] = {}
        self._retry: dict[str, float] = {}  # model -> the last back-off before reconnecting

    def __contains__(self, model_id: str) -> bool:
        return model_id in self._sockets

    def connected(self, model_id: str) -> bool:
        socket = self._sockets.get(model_id)
        return socket is not None and socket.connected.is_set()

    def ensure(self, model_id: str) -> SocketReader:
        """The model's socket, opened if it has none."""
        socket = self._sockets.get(model_id)
        if socket is None:
            client = self.host.client
            socket = self._sockets[model_id] = self.host.open_reader(
                model_id,
                partial(client.progress_url, model_id),
                on_message=self._frame,
                on_lost=self._lost,
                on_connected=self._connected,
            )
        return socket

    def stop(self, model_id: str) -> None:
        socket = self._sockets.pop(model_id, None)
        self._retry.pop(model_id, None)
        if socket is not None:
            socket.stop()

    def stop_all(self) -> None:
        for model_id in list(self._sockets):  # (the panel stops)
            self.stop(model_id)

    def _frame(self, socket: SocketReader, data: str | bytes) -> None:
        if self._sockets.get(socket.name) is socket:  # (not a late frame of one let go)
            self._on_frame(socket.name, data)

    def _connected(self, socket: SocketReader) -> None:
        """(Re)connected: the next frame sets where the download is, no rate across the gap."""
        progress = self.state.downloads.get(socket.name)
        if self._sockets.get(socket.name) is socket and progress is not None:
            self._retry.pop(socket.name, None)
            if progress.heard:  # frames came before: the time since spans the gap
                progress.rebase()

    def _lost(self, socket: SocketReader) -> None:
        """The socket dropped (or never opened): ask Pieces OS whether to reconnect."""
        if self._sockets.get(socket.name) is socket:
            self.host.spawn(
                partial(self.host.client.get_model, socket.name),
                partial(self._checked_after_loss, socket),
            )

    def _checked_after_loss(self, socket: SocketReader, answer: Model | UpstreamError) -> None:
        model_id = socket.name
        if self._sockets.get(model_id) is not socket:
            return
        if isinstance(answer, UpstreamError):
            progress = self.state.downloads.get(model_id)
            if progress is not None and progress.interruption is None:
                progress.interruption = "Pieces OS became unreachable"
        elif not answer.downloading:
            self.host.models.heard(answer)
            if model_id not in self.state.downloads:
                return  # (it ended meanwhile; one still starting is followed still)
        self._reconnect_later(model_id)

    def _reconnect_later(self, model_id: str) -> None:
        retry = self._retry[model_id] = next_retry(self._retry.get(model_id))
        self._sockets.pop(model_id, None)
        self.host.loop.call_later(retry, partial(self._reconnect, model_id))

    def _reconnect(self, model_id: str) -> None:
        if model_id in self.state.downloads and model_id not in self._sockets:
            self.ensure(model_id)
