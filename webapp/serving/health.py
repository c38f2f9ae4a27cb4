"""``/healthz``: is the panel up, and does Pieces OS answer (for monitors and scripts)."""
from flask import Blueprint, current_app

from ..pieces.client import UpstreamError, current_client

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Machine-readable health: the panel is up; is Pieces OS reachable, and which version."""
    try:
        version, error = current_client().version(), None
    except UpstreamError as failure:
        version, error = None, str(failure)
    return {
        "panel": "ok",
        "pieces_os": {
            "reachable": error is None,
            "version": version,
            "error": error,
            "simulated": current_app.config["PIECES_OS_SIMULATED"],
        },
    }
