"""A faithful Pieces OS Model API simulator: its own small Flask + flask-sock app.

Serve it with `gunicorn -k gthread --threads 64 -w 1 --no-control-socket \
'webapp.simulator:create_simulator_app(download_seconds=2)'` or in a test thread. Every app
built here has its own state (`app.extensions["pieces_simulator"]`), so several can share a
process.
"""

from flask import Flask
from werkzeug.exceptions import HTTPException

from . import api, controls
from .context import EXTENSION_KEY, Simulator


def _plain_text_http_error(error: HTTPException):
    return api.plain_text(error.description or error.name, error.code or 500)


def create_simulator_app(download_seconds: float = 20.0, memory_gb: float = 16.0,
                         tick_seconds: float = 0.2) -> Flask:
    """Build a simulator app; a download takes `download_seconds` in steps of `tick_seconds`."""
    if download_seconds <= 0 or tick_seconds <= 0 or memory_gb < 0:
        raise ValueError("download_seconds and tick_seconds must be > 0, memory_gb >= 0")
    app = Flask(__name__, static_folder=None)
    app.extensions[EXTENSION_KEY] = Simulator.create(
        download_seconds=download_seconds, memory_gb=memory_gb, tick_seconds=tick_seconds
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(controls.bp)
    app.register_error_handler(HTTPException, _plain_text_http_error)
    return app
