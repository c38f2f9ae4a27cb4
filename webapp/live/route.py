"""The page's live socket (``/live``): one per open page, fed by its host's loop.

flask-sock answers the handshake; the route asks the host for the page's mailbox (fanout.py),
then sends what the loop puts in it, and a heartbeat when nothing came for a while. A socket over
the quota is closed at once with 1013 and the reason, which the page shows as its live status
(it then polls, and htmx tries the socket again). Under gunicorn's gevent worker an open page
costs a greenlet or two.
"""

import queue
import socket
import time
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, g, make_response, request
from flask_sock import ConnectionClosed, Sock
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from ..db import close_db
from ..pieces.client import PiecesClient
from ..security.origin import is_websocket_handshake
from ..serving.admission import free_slot
from ..web.errors import ErrorAnswer, render_http_error
from ..web.navigation import safe_local_path
from .fanout import POLICY_VIOLATION, SERVICE_RESTART, Close, Viewer
from .host import LiveHost
from .loop import LoopStopped
from .pages import Page
from .panel import PanelView, panel_view
from .views import LiveSnapshot

if TYPE_CHECKING:
    from simple_websocket import Server

bp = Blueprint("live", __name__)
sock = Sock()

# How often a page with nothing to send looks whether its browser closed the socket.
CHECK_SECONDS = 1.0
# How long a close frame waits for the browser's answer before the socket is shut anyway.
CLOSE_ANSWER_SECONDS = 2.0
# The one version of the WebSocket protocol (RFC 6455) browsers speak.
WEBSOCKET_VERSION = "13"
# Too many live sockets already: the page may try again later (RFC 6455 section 7.4.1).
TRY_AGAIN_LATER = 1013


def current_live() -> LiveHost:
    """The host whose page the request is (or renders): the one its URL names (fleet.routing),
    or the fleet's first host."""
    return g.get("live_host") or current_app.extensions["fleet"].default


def host_prefix(host: LiveHost) -> str:
    """How the paths of ``host``'s pages begin: ``/hosts/<name>``, or nothing for the first
    host (fleet.routing)."""
    return "" if host is current_app.extensions["fleet"].default else f"/hosts/{host.name}"


def current_client() -> PiecesClient:
    """The client of the request's host (``current_live``)."""
    return current_live().client


#: Why a page's socket is refused when the panel holds as many as it may (LIVE_SOCKETS_TOTAL).
PANEL_FULL = (
    "Live updates are off on this page: the panel serves as many live pages as it can. It "
    "reloads itself meanwhile."
)


@sock.route("/live", bp=bp)
def live(ws: "Server") -> None:
    """Send one page what changes, until either side closes; a socket over the panel's budget
    (every host's pages together) is refused."""
    host = current_live()
    budget = current_app.extensions["fleet"].sockets
    if not budget.take():
        refuse(ws, host, PANEL_FULL)
        return
    try:
        serve_page(ws, host)
    finally:
        budget.give_back()


def serve_page(ws: "Server", host: LiveHost) -> None:
    """The page's mailbox on ``host`` (or why not), then what the loop puts in it."""
    page = Page.from_url(
        request.args.get("page"), g.user.role_on(host.name), request.host_url, host_prefix(host)
    )
    viewer = Viewer(
        g.user.id,
        g.session_hash,
        lambda: ws.connected,
        g.user.name,
        safe_local_path(request.args.get("page")),
        g.user.standing,
    )
    try:
        mailbox = host.open_page(page, g.since, viewer)
    except LoopStopped:  # the panel is stopping: the browser tries the next one
        close(ws, SERVICE_RESTART, "server restarting")
        return
    if isinstance(mailbox, str):
        refuse(ws, host, mailbox)
        return
    # The socket may stay open for hours: it needs nothing more from the database, nor its
    # client's turn among requests (the socket quota counts it now).
    close_db()
    free_slot(request.environ)
    heartbeat = current_app.config["LIVE_HEARTBEAT_SECONDS"]
    last_sent = time.monotonic()
    next_check = 0.0
    try:
        # Fragments are small and must go out at once, not wait to be merged with the next one.
        ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while ws.connected:
            if time.monotonic() >= next_check:
                if ws.receive(timeout=0) is not None:
                    # Browsers send nothing on this socket: a message means something else talks.
                    close(ws, POLICY_VIOLATION, "This socket takes no messages.")
                    return
                next_check = time.monotonic() + CHECK_SECONDS
            try:
                message = mailbox.messages.get(timeout=CHECK_SECONDS)
            except queue.Empty:
                if time.monotonic() - last_sent < heartbeat:
                    continue  # (only to see, above, whether the browser closed the socket)
                message = host.fragments.heartbeat
            if isinstance(message, Close):
                close(ws, message.code, message.reason)
                return
            ws.send(message)
            last_sent = time.monotonic()
            if mailbox.lagging and mailbox.messages.empty():
                host.catch_up(mailbox)
    except (ConnectionClosed, OSError):
        pass  # the browser went away
    finally:
        host.page_left(mailbox)


def refuse(ws: "Server", host: LiveHost, reason: str) -> None:
    """Too many sockets: the page shows why (and polls meanwhile), and htmx tries again."""
    ws.send(host.fragments.live_refused(reason))
    close(ws, TRY_AGAIN_LATER, reason[:120])


def close(ws: "Server", code: int, reason: str) -> None:
    """Close the socket with ``code`` and ``reason``, then give the browser a moment to answer
    the close: a socket shut before its answer came is reset, which a browser reports as 1006
    (connection lost) instead of ``code``, and so reconnects where it should stop or poll."""
    ws.close(reason=code, message=reason)
    ws.thread.join(CLOSE_ANSWER_SECONDS)  # simple-websocket's reader ends with the answer


def browser_left(error: ConnectionError) -> tuple[str, int]:
    """The browser closed the connection while the handshake was answered (flask-sock answers
    it before the route runs): nobody is left to answer, and nothing went wrong here."""
    if request.endpoint != "live.live":
        raise error
    return "The browser closed the connection.", 400


def panel_stopping(_error: LoopStopped) -> ErrorAnswer:
    """A request that came while the panel stops, after its live state has ended."""
    return render_http_error(
        ServiceUnavailable("The panel is restarting: nothing was done. Try again in a moment.")
    )


class UpgradeRequired(HTTPException):
    """A WebSocket version the panel does not speak (RFC 6455 section 4.4)."""

    code = 426
    description = f"The live socket speaks WebSocket version {WEBSOCKET_VERSION} only."


@bp.before_request
def refuse_what_is_not_a_handshake() -> Response | None:
    """Only an RFC 6455 handshake reaches flask-sock: with anything else simple-websocket
    fails, which would answer 500."""
    headers = request.headers
    if (
        not is_websocket_handshake()
        or "upgrade" not in headers.get("Connection", "").lower()
        or not headers.get("Sec-WebSocket-Key")
    ):
        abort(400, description="This address takes the live updates' WebSocket only.")
    if headers.get("Sec-WebSocket-Version") != WEBSOCKET_VERSION:
        response = make_response(render_http_error(UpgradeRequired()))
        response.headers["Sec-WebSocket-Version"] = WEBSOCKET_VERSION
        return response
    return None


@bp.before_request
def decline_compression() -> None:
    """No permessage-deflate on the live socket: simple-websocket accepts it whenever a browser
    offers it, which costs every open page a zlib compressor (over 100 KB) and every fragment a
    compression per page, where the same few hundred bytes go to every page as they are."""
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


@bp.before_request
def read_since() -> None:
    """Where the page opening its socket was rendered (``g.since``); a ``since`` that no page of
    the panel sends is refused before the handshake."""
    try:
        g.since = current_live().since_of(request.args.get("since"))
    except ValueError as error:
        abort(400, description=str(error))


def live_socket_path() -> str:
    """Where the current page opens its socket: a relative URL, so that the browser keeps the
    scheme and host it used (a proxy may serve the panel under another name). It carries the
    mark of the live state the page was rendered from: the socket sends only what changed
    after it."""
    return socket_path(current_live(), current_snapshot(), request.full_path.rstrip("?"))


def socket_path(host: LiveHost, rendered_from: LiveSnapshot, page: str) -> str:
    """Where ``page``, rendered from ``host``'s snapshot ``rendered_from``, opens its socket on
    that host (the fleet page opens one on each host)."""
    query = {"page": page, "since": rendered_from.mark}
    return f"{request.script_root}{host_prefix(host)}/live?{urlencode(query)}"


def current_snapshot() -> LiveSnapshot:
    """The live state the request renders from, taken once (any later change reaches the
    page through its socket)."""
    if "live_snapshot" not in g:
        g.live_snapshot = current_live().snapshot
    return g.live_snapshot


def current_panel() -> PanelView:
    """What the request's page shows of the whole panel (panel.py), taken once: after its own
    host's snapshot, so that whatever changes after that reaches the page through its socket."""
    if "panel_view" not in g:
        own = current_snapshot()
        host = current_live()
        g.panel_view = panel_view({**host.panel.snapshots(), host.name: own})
    return g.panel_view
