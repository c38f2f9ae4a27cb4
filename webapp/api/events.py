"""``GET /api/v1/events``: Server-Sent Events of every host (live/events.py), so that a script
waits for a download without polling.

Each event is one ``data:`` line of JSON whose ``type`` is ``progress``, ``model``, ``ending``,
``models`` or ``activity``; a comment line comes every LIVE_HEARTBEAT_SECONDS when nothing else
does. The stream checks once a second that what let it in still holds: a revoked or expired
token (or an ended session) ends it with an ``end`` event, as does falling too far behind.
"""

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, request, stream_with_context

from ..accounts.sessions import valid_sessions
from ..accounts.tokens import token_holds
from ..db import close_db, connect
from ..fleet import live_hosts
from ..live.events import Listener
from ..live.host import LiveHost
from ..serving.admission import free_slot

bp = Blueprint("events", __name__)

#: How often the stream looks whether it may go on.
CHECK_SECONDS = 1.0


def sse(event: dict[str, Any], name: str | None = None) -> str:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(event)}\n\n"


class Streams:
    """The open event streams, counted per account against LIVE_SOCKETS_PER_ACCOUNT."""

    def __init__(self) -> None:
        self.per_account: dict[int, int] = {}
        self._lock = threading.Lock()

    def open(self, account_id: int, most: int) -> None:
        with self._lock:
            if self.per_account.get(account_id, 0) >= most:
                abort(429, description=f"Your account has {most} event streams open already.")
            self.per_account[account_id] = self.per_account.get(account_id, 0) + 1

    def close(self, account_id: int) -> None:
        with self._lock:
            self.per_account[account_id] -= 1
            if not self.per_account[account_id]:
                del self.per_account[account_id]


class FollowedHosts:
    """The hosts a stream listens to: the fleet's, as they are at each look (a host added,
    removed or renamed meanwhile is followed, or left, from the next look on). The log is
    heard from the first host alone: it is the panel's, not a host's. (Hosts are added after
    the others: only the first one's removal makes another one first.)"""

    def __init__(self, listener: Listener):
        self.listener = listener
        self.hosts: list[LiveHost] = []

    def follow(self, hosts: list[LiveHost]) -> bool:
        """Listen to ``hosts`` from now on; True if they are not the ones listened to until
        now."""
        if hosts == self.hosts:
            return False
        for host in self.hosts:
            if host not in hosts:
                host.events.leave(self.listener)
        for host in hosts:
            first = host is hosts[0]
            if host not in self.hosts or (first and host is not self.hosts[0]):
                host.events.listen(self.listener, log_too=first)
        self.hosts = hosts
        return True

    def names(self) -> list[str]:
        return [host.events.name for host in self.hosts]

    def leave(self) -> None:
        self.follow([])


def still_allowed(database: str, token_id: int | None, session_hash: str | None) -> str | None:
    """None while the stream's token (or session) is valid; else why it ended."""
    db = connect(database)
    try:
        if token_id is not None:
            return None if token_holds(db, token_id) else "The token was revoked or has expired."
        if session_hash and valid_sessions(db, [session_hash], current_app.config):
            return None
        return "The session has ended."
    finally:
        db.close()


@bp.get("/events")
def events() -> Response:
    config = current_app.config
    streams: Streams = current_app.extensions.setdefault("api_event_streams", Streams())
    streams.open(g.user.id, config["LIVE_SOCKETS_PER_ACCOUNT"])
    followed = FollowedHosts(Listener(g.user.id))
    followed.follow(list(live_hosts().values()))
    listener = followed.listener
    token = g.get("token")
    token_id, session_hash = (token.id if token else None), g.get("session_hash")
    database, heartbeat = config["DATABASE"], config["LIVE_HEARTBEAT_SECONDS"]
    close_db()  # the stream may stay open for hours
    free_slot(request.environ)  # nor does it hold its account's turn among requests

    def stream() -> Iterator[str]:
        try:
            yield sse({"type": "hello", "hosts": followed.names()})
            last_sent = next_check = time.monotonic()
            while True:
                if time.monotonic() >= next_check:
                    ended = still_allowed(database, token_id, session_hash)
                    if listener.fell_behind:
                        ended = "The stream fell behind; read the state again and reconnect."
                    if ended:
                        yield sse({"type": "end", "reason": ended}, "end")
                        return
                    if followed.follow(list(live_hosts().values())):
                        yield sse({"type": "hosts", "hosts": followed.names()})
                    next_check = time.monotonic() + CHECK_SECONDS
                try:
                    event = listener.events.get(timeout=CHECK_SECONDS)
                except queue.Empty:
                    if time.monotonic() - last_sent >= heartbeat:
                        yield ": still here\n\n"
                        last_sent = time.monotonic()
                    continue
                yield sse(event)
                last_sent = time.monotonic()
        finally:
            followed.leave()
            streams.close(listener.account_id)

    return Response(
        stream_with_context(stream()),
        content_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
