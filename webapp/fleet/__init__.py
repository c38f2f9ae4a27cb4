"""The Pieces OS hosts the panel manages, each by its name, with its live state (``LiveHost``):
the fleet (registry), the hosts kept in the database (stored), each host's pages under
``/hosts/<name>/`` (routing), the Hosts page where admins add, change, test and remove hosts
(views; a Pieces OS is asked for its version first: probe), and the fleet page's model x host
matrix (``pages``, ``matrix``) with its actions on several hosts at once (``bulk``, and how
each went: ``results``), for those who may act on them (``access``)."""

from flask import Flask, current_app

from ..accounts.gate import name_hosts_with
from ..accounts.presence import count_open_pages_with
from ..accounts.sessions import on_sessions_ended
from ..activity import log as activity_log
from ..live import current_live
from ..live.host import LiveHost
from . import bulk, pages, results, routing, views
from .matrix import cell_id, cell_state, row_changed_id
from .registry import Fleet
from .routing import host_named

__all__ = ["host_named", "hosts_asked_now", "init_app", "live_hosts"]


def init_app(app: Flask) -> None:
    """Start every host's live state; after the blueprints of the host pages (routing)."""
    fleet = Fleet(app)
    fleet.start()
    app.extensions["fleet"] = fleet
    on_sessions_ended(app, fleet.check_sessions)
    count_open_pages_with(app, fleet.pages_by_session)
    activity_log.listen(app, fleet.activity_changed)
    routing.init_app(app)
    name_hosts_with(app, routing.request_host_name)  # (roles may be limited to some hosts)
    app.register_blueprint(views.bp)  # (its routes use routing's converter of host names)
    app.register_blueprint(pages.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(results.bp)
    app.jinja_env.globals.update(
        cell_id=cell_id,
        cell_state=cell_state,
        row_changed_id=row_changed_id,
        bulk_choices=bulk.choices,
        host_shown=host_shown,
    )


def host_shown() -> str | None:
    """The name of the host a page is about, when the panel manages several (with one, the
    pages read as they always did)."""
    return current_live().name if len(current_app.extensions["fleet"].hosts) > 1 else None


def live_hosts() -> dict[str, LiveHost]:
    """Every host, by name, in the order they were added."""
    return dict(current_app.extensions["fleet"].hosts)


def hosts_asked_now() -> dict[str, LiveHost]:
    """Every host, by name, each asked for its list first: its snapshot says how it answers."""
    return dict(current_app.extensions["fleet"].ask_every_host())
