"""WebSocket handshakes must come from the panel's own pages.

Browsers let any web page open a WebSocket to any address and send the cookies along, and CSRF
tokens do not apply to the handshake; the ``Origin`` header is the only thing that says which page
asked. So a handshake is refused (403) unless its Origin is allowed: ALLOWED_ORIGINS when set, the
panel's own origin otherwise. That a user is logged in is checked afterwards, by ``auth``.
"""

from flask import Flask, abort, current_app, request


def is_websocket_handshake() -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def allowed_origins() -> list[str]:
    return current_app.config["ALLOWED_ORIGINS"] or [f"{request.scheme}://{request.host}".lower()]


def check_origin() -> None:
    if not is_websocket_handshake():
        return
    origin = request.headers.get("Origin", "").lower().rstrip("/")
    if origin not in allowed_origins():
        shown = repr(origin[:100]) if origin else "no origin"
        abort(403, description=f"A page from {shown} may not open the panel's live connection.")


def init_app(app: Flask) -> None:
    app.before_request(check_origin)
