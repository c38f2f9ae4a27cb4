"""Live updates: every open page sees a change as soon as the panel learns of it.

What flows through it: Pieces OS's progress socket -> ``relay`` (one per downloading model) ->
``progress`` (frames parsed) -> ``tracker`` (the downloads) -> the ``hub``, which also hears of
actions and of the ``refresher``'s ``GET /models`` (``board``) -> ``fragments`` (rendered for a
kind of page) -> ``publisher`` -> ``feeds`` (one per kind of page) -> ``dispatcher`` (one
writer thread) -> ``viewers`` (one per open page) -> the browser's ``/live`` socket (``route``).
"""
from flask import Flask, g

from ..accounts.sessions import on_sessions_ended
from ..activity import log as activity_log
from ..pieces.device import MemoryUse
from ..pieces.device import memory_use as pieces_memory_use
from .hub import LiveHub
from .page_socket import NoReaderThread
from .route import bp, browser_left, current_hub, live_socket_path, sock

__all__ = ["current_hub", "init_app"]


def local_runtime_problem() -> str | None:
    """Why local models cannot be downloaded or loaded now, if they cannot (for templates;
    worked out once per rendering, as every row asks)."""
    if "local_runtime_problem" not in g:
        runtime = current_hub().instance().runtime
        g.local_runtime_problem = runtime.explanation if runtime else None
    return g.local_runtime_problem


def memory_use() -> MemoryUse:
    """RAM used by the loaded models against the machine's (for templates). Not kept in ``g``:
    fragments rendered in a long-lived context (a page's socket, an action) must each see the
    models as they are now."""
    hub = current_hub()
    return pieces_memory_use(hub.instance().device, hub.board.all())


def init_app(app: Flask) -> None:
    # simple-websocket answers the handshake; the dispatcher does the rest (page_socket.py).
    app.config.setdefault("SOCK_SERVER_OPTIONS", {"thread_class": NoReaderThread})
    hub = LiveHub(app, app.extensions["pieces_client"])
    app.extensions["live_hub"] = hub
    on_sessions_ended(app, hub.sessions.check)
    activity_log.listen(app, hub.activity_changed)
    app.jinja_env.globals.update(
        live_progress=hub.tracker.progress_of, download_ending=hub.tracker.ending_of,
        downloads_in_progress=hub.downloads_in_progress,
        download_stalled=hub.tracker.is_stalled, stall_seconds=hub.stall_seconds,
        cancel_ignored=hub.tracker.cancel_was_ignored, pending_load=hub.loads.get,
        pieces_os=hub.instance, local_runtime_problem=local_runtime_problem,
        live_socket_path=live_socket_path, memory_use=memory_use,
    )
    app.register_blueprint(bp)
    app.register_error_handler(ConnectionError, browser_left)
    sock.init_app(app)
