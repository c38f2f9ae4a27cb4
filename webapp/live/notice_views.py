"""Dismissing a page-wide notice of an event (Pieces OS restarted at a new address): for the
person who dismissed it, on every page they open next; the others still see it for its while."""

from flask import Blueprint, Response, redirect, render_template, session
from werkzeug.wrappers import Response as BaseResponse

from ..web.navigation import next_url
from ..web.responses import is_htmx, vary_on_htmx
from .route import current_snapshot

bp = Blueprint("notices", __name__)

#: The session key that holds the moment of the move the person dismissed.
DISMISSED_MOVE = "dismissed_move"


@bp.post("/notices/move/dismiss")
def dismiss_move() -> Response | BaseResponse:
    """Hide the notice of Pieces OS's last move for this person (any role may)."""
    move = current_snapshot().instance.move
    if move is not None:
        session[DISMISSED_MOVE] = move.at.isoformat()
    if not is_htmx():
        return redirect(next_url(), 303)
    return vary_on_htmx(Response(render_template("_move_notice.html")))
