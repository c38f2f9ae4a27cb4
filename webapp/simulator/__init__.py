"""A faithful Pieces OS Model API simulator: its own small Flask + flask-sock app.

Serve it with `gunicorn -k gthread --threads 64 -w 1 --no-control-socket \
'webapp.simulator:create_simulator_app(download_seconds=2)'` or in a test thread. Every app
built here has its own state (`app.extensions["pieces_simulator"]`), so several can share a
process.
"""

from pathlib import Path
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from . import api, controls, scenario_controls
from .behaviour import Behaviour
from .context import EXTENSION_KEY, Simulator, simulator_of
from .model_ids import KeepEncodedSlashes, ModelIdConverter


def _plain_text_http_error(error: HTTPException) -> Response:
    return api.plain_text(error.description or error.name, error.code or 500)


def create_simulator_app(
    download_seconds: float = 20.0,
    memory_gb: float = 16.0,
    tick_seconds: float = 0.2,
    *,
    ollama: str = "installed",
    gpus: tuple[tuple[str, float], ...] = (),
    port_file: str | Path | None = None,
    **behaviour: Any,
) -> Flask:
    """Build a simulator app; a download takes `download_seconds` in steps of `tick_seconds`.

    `memory_gb` is the RAM (the budget for loaded models), `gpus` the (name, GB) pairs that
    `GET /os/device/information` reports, `ollama` its initial state (`installed`, `missing`,
    `update-required`). With `port_file`, the port is written there each time whatever serves
    the app calls `announce_port`. `behaviour` sets switches of `Behaviour` (`version`,
    `load_seconds`, `progress_status`, `download_answer_lags`, `replays_last_status`,
    `cancel_is_ignored`, `download_answer_seconds`, `download_finds_files`,
    `identifiers_snapshot`, `unknown_id_answers_500`, `errors_with_stack_trace`).
    """
    if download_seconds <= 0 or tick_seconds <= 0 or memory_gb < 0:
        raise ValueError("download_seconds and tick_seconds must be > 0, memory_gb >= 0")
    app = Flask(__name__, static_folder=None)
    app.url_map.converters["model_id"] = ModelIdConverter
    app.wsgi_app = KeepEncodedSlashes(app.wsgi_app)  # type: ignore[method-assign]
    app.extensions[EXTENSION_KEY] = Simulator.create(
        download_seconds=download_seconds,
        memory_gb=memory_gb,
        tick_seconds=tick_seconds,
        behaviour=Behaviour(**behaviour),
        ollama=ollama,
        gpus=tuple(gpus),
        port_file=Path(port_file) if port_file is not None else None,
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(controls.bp)
    app.register_blueprint(scenario_controls.bp)
    app.register_error_handler(HTTPException, _plain_text_http_error)
    return app


def announce_port(app: Flask, port: int) -> None:
    """Tell a simulator app it now listens on `port` (it writes its port file, if it has one)."""
    simulator_of(app).announce_port(port)
