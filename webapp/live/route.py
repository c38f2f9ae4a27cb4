"""The page's live socket (``/live``): one per open page, fed by the process's ``LiveHub``."""
import socket
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, request
from flask_sock import Sock

from .hub import LiveHub
from .pages import Page

bp = Blueprint("live", __name__)
sock = Sock()


def current_hub() -> LiveHub:
    return current_app.extensions["live_hub"]


@sock.route("/live", bp=bp)
def live(ws):
    """Keep one page's socket open; the hub's dispatcher sends it what changes."""
    hub = current_hub()
    # Fragments are small and must go out at once, not wait to be merged with the next one.
    ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    page = Page.from_url(request.args.get("page"), g.user.role, request.host_url)
    viewer = hub.connect(ws, page)
    try:
        viewer.hold()
    finally:
        hub.disconnect(viewer)


def live_socket_path() -> str:
    """Where the current page opens its socket: a relative URL, so that the browser keeps the
    scheme and host it used (a proxy may serve the panel under another name)."""
    page = request.full_path.rstrip("?")
    return f"{request.script_root}/live?{urlencode({'page': page})}"
