"""The model panel: a Flask app that manages the models of one Pieces OS instance."""
from pathlib import Path

from flask import Flask

from . import (
    actions,
    activity_views,
    auth,
    csrf,
    db,
    discovery,
    editing,
    formatting,
    headers,
    hosts,
    live,
    pages,
    proxy,
    rendering,
    secret,
    socket_guard,
    users_views,
)
from .config import settings_from_env
from .upstream import PiecesClient

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Where the secret key and the database live unless configured otherwise.
INSTANCE_FOLDER = PROJECT_ROOT / "instance"
# Used when PIECES_OS_URL is unset and discovery finds nothing: the first port Pieces OS uses.
FALLBACK_PIECES_OS_URL = "http://127.0.0.1:39300"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the panel; ``test_config`` overrides settings read from the environment, and its
    ``INSTANCE_PATH`` moves the instance folder (tests give each app its own)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=(test_config or {}).get("INSTANCE_PATH", str(INSTANCE_FOLDER)),
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
    # The order matters for the request checks: origin of a socket, then login, then CSRF token.
    for module in (secret, headers, formatting, rendering, hosts, db, proxy, socket_guard, auth,
                   csrf):
        module.init_app(app)
    for module in (pages, actions, editing, activity_views, users_views):
        app.register_blueprint(module.bp)
    live.init_app(app)
    return app
