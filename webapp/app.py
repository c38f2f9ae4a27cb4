"""Builds the panel's Flask app from its packages (see the package's docstring)."""

from flask import Flask

from . import accounts, api, catalog, db, fleet, live, monitoring, web
from .activity import views as activity_views
from .config import INSTANCE_FOLDER, RESOURCE_FOLDER, settings_from_env
from .security import csrf, headers, hosts, origin, proxy, secret
from .serving import admission, health


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
    fleet.init_app(app)
    api.init_app(app)
    return app
