"""``/healthz``: is the panel up, and does (the first host's) Pieces OS answer (for monitors and
scripts; /metrics tells of every host).

Anybody may ask, so an anonymous caller learns only "ok" or "unreachable"; a logged-in user (a
script with a session) also gets the version, the error and whether Pieces OS is simulated. Asked
a thousand times a second, it still asks Pieces OS once every few seconds."""

import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, g

from ..pieces.client import UpstreamError

bp = Blueprint("health", __name__)

#: How long one look at Pieces OS answers every ``/healthz``: anybody may ask, as often as they
#: like, and Pieces OS is asked at most once in this time.
CHECK_SECONDS = 5.0
EXTENSION_KEY = "health_check"


@dataclass(frozen=True)
class Check:
    at: float  # time.monotonic()
    version: str | None
    error: str | None


def pieces_os_check() -> Check:
    """The last look at Pieces OS, taken again when it is older than CHECK_SECONDS."""
    last: Check | None = current_app.extensions.get(EXTENSION_KEY)
    now = time.monotonic()
    if last is None or now - last.at >= CHECK_SECONDS:
        try:
            version, error = current_app.extensions["fleet"].default.client.version(), None
        except UpstreamError as failure:
            version, error = None, str(failure)
        last = current_app.extensions[EXTENSION_KEY] = Check(now, version, error)
    return last


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    """Machine-readable health: the panel is up; is Pieces OS reachable (and for logged-in
    users: which version, or what failed)."""
    check = pieces_os_check()
    if g.get("user") is None:
        return {"panel": "ok", "pieces_os": "unreachable" if check.error else "ok"}
    return {
        "panel": "ok",
        "pieces_os": {
            "reachable": check.error is None,
            "version": check.version,
            "error": check.error,
            "simulated": current_app.config["PIECES_OS_SIMULATED"],
        },
    }
