"""Live updates: every open page sees a change as soon as the panel learns of it.

What flows through it: Pieces OS (answers, lists, its progress sockets and pushed streams) ->
the host's one loop (``loop``, ``host``: it alone changes the live state, ``state``) -> the
elements each change touches (``publish``), rendered once per kind of page (``fragments``) ->
each open page's mailbox (``fanout``) -> its ``/live`` socket (``route``). Templates read the
state as immutable values (``views``): ``live`` (the request's ``LiveSnapshot``) and a
``ModelRow`` per model.
"""

from flask import Flask

from .loop import LoopStopped
from .notice_views import bp as notices_bp
from .route import (
    bp,
    browser_left,
    current_client,
    current_live,
    current_panel,
    current_snapshot,
    live_socket_path,
    panel_stopping,
    sock,
    socket_path,
)

__all__ = ["current_client", "current_live", "current_snapshot", "init_app", "socket_path"]


# Browsers send nothing on this socket; a message bigger than this is refused as too big (1009).
MAX_INCOMING_MESSAGE_BYTES = 1024


def init_app(app: Flask) -> None:
    # simple-websocket's documented options: pings that find a vanished browser (one that
    # answers none is closed within LIVE_PING_SECONDS), and the size limit.
    app.config.setdefault(
        "SOCK_SERVER_OPTIONS",
        {
            "ping_interval": app.config["LIVE_PING_SECONDS"] / 2,
            "max_message_size": MAX_INCOMING_MESSAGE_BYTES,
        },
    )
    app.jinja_env.globals.update(live_socket_path=live_socket_path, panel=current_panel)
    app.context_processor(lambda: {"live": current_snapshot()})
    app.register_blueprint(bp)
    app.register_blueprint(notices_bp)
    app.register_error_handler(ConnectionError, browser_left)
    app.register_error_handler(LoopStopped, panel_stopping)
    sock.init_app(app)
