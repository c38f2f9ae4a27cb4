"""The page's live socket (``/live``): one per open page, fed by the process's ``LiveHub``.

The route answers the handshake and hands the socket over to the hub's dispatcher
(page_socket.take_over), which first sends the page what changed since it was rendered; then
the request ends, so an open page holds no server thread. A socket over the quota (quota.py) is
closed at once with 1013 and the reason, which the page shows in place of its live status (it
then polls); ordinary pages are served meanwhile. A browser that goes away during the handshake
is no error of the panel's."""
import socket
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, g, request
from flask_sock import Sock

from .hub import LiveHub
from .page_socket import TRY_AGAIN_LATER, take_over
from .pages import Page

bp = Blueprint("live", __name__)
sock = Sock()


def current_hub() -> LiveHub:
    return current_app.extensions["live_hub"]


@sock.route("/live", bp=bp)
def live(ws):
    """Hand one page's socket over to the hub, which sends it what changes."""
    hub = current_hub()
    # Kept here: rendering the page's first fragments in this thread may replace ``g.user``.
    user, session_hash = g.user, g.session_hash
    refusal = hub.quota.take(user.id)
    if refusal:
        ws.send(hub.fragments.live_refused(refusal))
        ws.close(reason=TRY_AGAIN_LATER, message=refusal[:120])
        return
    try:
        # Fragments are small and must go out at once, not wait to be merged with the next one.
        ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        page = Page.from_url(request.args.get("page"), user.role, request.host_url)
        hub.connect(*take_over(ws), page, session_hash, user.id, g.rendered_at)
    except BaseException:
        hub.quota.give_back(user.id)
        raise


def browser_left(error: ConnectionError):
    """The browser closed the connection while the handshake was answered (flask-sock answers
    it before the route runs): nobody is left to answer, and nothing went wrong here."""
    if request.endpoint != "live.live":
        raise error
    return "The browser closed the connection.", 400


@bp.before_app_request
def note_live_revision() -> None:
    """Where the live state is before the request reads any of it: the page it renders is
    then sent, once its socket opens, only what changed since (``since``)."""
    g.live_revision = current_hub().publisher.revision


@bp.before_request
def read_since() -> None:
    """When the page opening its socket was rendered (``g.rendered_at``); a ``since`` that no
    page of the panel sends is refused before the handshake."""
    try:
        g.rendered_at = current_hub().publisher.revision_of(request.args.get("since"))
    except ValueError as error:
        abort(400, description=str(error))


def live_socket_path() -> str:
    """Where the current page opens its socket: a relative URL, so that the browser keeps the
    scheme and host it used (a proxy may serve the panel under another name). Without a mark
    (a page rendered before the request got that far) the socket is sent the whole state."""
    query = {"page": request.full_path.rstrip("?")}
    if "live_revision" in g:
        publisher = current_hub().publisher
        query["since"] = publisher.mark(publisher.past_own(g.live_revision))
    return f"{request.script_root}/live?{urlencode(query)}"
