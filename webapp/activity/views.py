"""The Activity page (``/activity``): the log, filtered and paged by its query string, and the
same filtered log as a CSV download (``/activity/export.csv``). Names typed in failed logins are
shown only to those who manage users (often a password was typed into the name field)."""

from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, g, request, stream_with_context

from ..db import get_db
from ..web.hosts import host_names
from ..web.responses import page_or_fragment
from .export import csv_lines
from .log import ACTIONS, OUTCOMES
from .search import ActivityQuery, BadActivityQuery, hosts_logged, matching, search

bp = Blueprint("activity", __name__)


def activity_query() -> ActivityQuery:
    """The filters (and page) from the query string; 400 when one is invalid, or names a host
    that is neither the fleet's nor in the log (a host removed since)."""
    try:
        query = ActivityQuery.from_args(request.args)
    except BadActivityQuery as error:
        abort(400, description=str(error))
    if query.host and query.host not in (hosts := filter_hosts()):
        abort(
            400,
            description=f"There is no host named {query.host} in the fleet or the log; "
            f"the hosts are: {', '.join(hosts)}.",
        )
    return query


def filter_hosts() -> list[str]:
    """The choices of the host filter: the fleet's hosts, then those removed since whose
    entries the log keeps (looked up once per request: the filter checks them too)."""
    if "filter_hosts" not in g:
        hosts = host_names()
        g.filter_hosts = hosts + [host for host in hosts_logged(get_db()) if host not in hosts]
    return g.filter_hosts


def shows_failed_login_names() -> bool:
    return g.user.can("manage_users")


@bp.get("/activity")
def index() -> Response:
    """Who did what and how it ended, newest first."""
    log = search(get_db(), activity_query(), shows_failed_login_names())
    return page_or_fragment(
        "activity/activity.html",
        "activity/_activity.html",
        log=log,
        actions=ACTIONS,
        outcomes=OUTCOMES,
        hosts=filter_hosts(),
        fleet=host_names(),
    )


@bp.get("/activity/export.csv")
def export() -> Response:
    """Every entry the filters match (the page number is ignored), newest first."""
    query, show_names = activity_query(), shows_failed_login_names()

    def lines() -> Iterator[str]:  # read as it is sent, with the request's database connection
        yield from csv_lines(matching(get_db(), query, show_names))

    name = f"activity-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
