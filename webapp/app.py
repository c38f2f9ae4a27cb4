"""Builds the panel's Flask app from its packages (see the package's docstring)."""

from flask import Flask

from . import accounts, api, catalog, db, live, monitoring, web
from .activity import views as activity_views
from .config import INSTANCE_FOLDER, RESOURCE_FOLDER, settings_from_env
from .pieces import discovery
from .pieces.client import PiecesClient
from .security import csrf, headers, hosts, origin, proxy, secret
from .serving import admission, health

# Used when PIECES_OS_URL is unset and discovery finds nothing: the first port Pieces OS uses.
FALLBACK_PIECES_OS_URL = "http://127.0.0.1:39300"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the panel; ``test_config`` overrides settings read from the environment, and its
    ``INSTANCE_PATH`` moves the instance folder (tests give each app its own)."""
    app = Flask(
        "webapp",
        instance_relative_config=True,
        instance_path=(test_config or {}).get("INSTANCE_PATH", str(INSTANCE_FOLDER)),
        template_folder=str(RESOURCE_FOLDER / "templates"),
        static_folder=str(RESOURCE_FOLDER / "static"),
    )
    app.config.from_mapping(settings_from_env())
    if test_config:
        app.config.update(test_config)

    app.extensions["pieces_client"] = pieces_client(app.config)
    # The order matters for the request checks: origin of a socket, then login, then CSRF token.
    # admission comes before proxy: the proxy's middleware then runs first (see admission);
    # monitoring before accounts, so that its clock starts before the login gate answers.
    for module in (
        secret,
        headers,
        web,
        hosts,
        db,
        admission,
        proxy,
        origin,
        monitoring,
        accounts,
        csrf,
    ):
        module.init_app(app)
    catalog.init_app(app)
    for module in (activity_views, health):
        app.register_blueprint(module.bp)
    live.init_app(app)
    api.init_app(app)
    return app


def pieces_client(config: dict) -> PiecesClient:
    """The client of the Pieces OS that PIECES_OS_URL names; unset, of the one discovery finds
    (and finds again whenever it stops answering, as it picks a new port at each start)."""
    locator = None
    url = config["PIECES_OS_URL"]
    if not url:

        def find() -> str | None:
            return discovery.discover(discovery.candidate_urls(config["PIECES_OS_PORT_FILE"]))

        locator = discovery.Locator(find)
        url = find() or FALLBACK_PIECES_OS_URL
    return PiecesClient(
        url,
        connect_timeout=config["PIECES_OS_CONNECT_TIMEOUT"],
        read_timeout=config["PIECES_OS_READ_TIMEOUT"],
        load_timeout=config["PIECES_OS_LOAD_TIMEOUT"],
        locator=locator,
    )
