"""The model panel: a Flask app that manages the models of one Pieces OS instance."""
from pathlib import Path

from flask import Flask

from . import actions, discovery, editing, formatting, headers, pages, rendering, secret
from .config import settings_from_env
from .upstream import PiecesClient

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Used when PIECES_OS_URL is unset and discovery finds nothing: the first port Pieces OS uses.
FALLBACK_PIECES_OS_URL = "http://127.0.0.1:39300"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the panel; ``test_config`` overrides settings read from the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(settings_from_env())
    if test_config:
        app.config.update(test_config)

    url = app.config["PIECES_OS_URL"] or discovery.discover() or FALLBACK_PIECES_OS_URL
    app.config["PIECES_OS_URL"] = url
    app.extensions["pieces_client"] = PiecesClient(
        url,
        connect_timeout=app.config["PIECES_OS_CONNECT_TIMEOUT"],
        read_timeout=app.config["PIECES_OS_READ_TIMEOUT"],
    )
    for module in (secret, headers, formatting, rendering):
        module.init_app(app)
    for module in (pages, actions, editing):
        app.register_blueprint(module.bp)
    return app
