"""``/healthz``: is the panel up, and does Pieces OS answer (for monitors and scripts).

Anybody may ask, so an anonymous caller learns only "ok" or "unreachable"; a logged-in user (a
script with a session) also gets the version, the error and whether Pieces OS is simulated."""

from typing import Any

from flask import Blueprint, current_app, g

from ..pieces.client import UpstreamError, current_client

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """Machine-readable health: the panel is up; is Pieces OS reachable (and for logged-in
    users: which version, or what failed)."""
    try:
        version, error = current_client().version(), None
    except UpstreamError as failure:
        version, error = None, str(failure)
    if g.get("user") is None:
        return {"panel": "ok", "pieces_os": "unreachable" if error else "ok"}
    return {
        "panel": "ok",
        "pieces_os": {
            "reachable": error is None,
            "version": version,
            "error": error,
            "simulated": current_app.config["PIECES_OS_SIMULATED"],
        },
    }
