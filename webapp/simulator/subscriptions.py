"""Serving one pushed stream (progress, identifiers, Ollama status) over one WebSocket."""

import socket
from typing import TYPE_CHECKING

from .progress import ProgressHub, Subscription

#: How often an idle socket handler checks whether its client has gone.
CLIENT_CHECK_SECONDS = 0.1

if TYPE_CHECKING:
    from simple_websocket import Server


def relay(ws: "Server", hub: ProgressHub, subscription: Subscription) -> None:
    """Send the subscription's frames until the client leaves or the socket is dropped."""
    try:
        while ws.connected and not subscription.dropped:
            frame = subscription.next_frame(timeout=CLIENT_CHECK_SECONDS)
            if frame is not None:
                ws.send(frame)
            ws.receive(timeout=0)  # discard anything the client sends
        if subscription.dropped:
            _cut(ws)
    except OSError:
        pass  # the client vanished mid-send
    finally:
        hub.unsubscribe(subscription)


def _cut(ws: "Server") -> None:
    """Break the connection without a closing handshake, as a network failure would."""
    try:
        ws.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
