"""The fleet page (``/fleet``): every model of every host, a column per host, searched and
filtered like the list, and live.

It is rendered from each host's live snapshot alone (a host whose list is due is asked for it
by its loop, and the page learns of the answer like any change). It opens one live socket per
host, each sending that host's column: its cells, its head, and word that its models came or
went (the page then fetches its matrix again, with new sockets that send what changed since).
"""

from typing import TYPE_CHECKING

from flask import Blueprint, Response, g, url_for

from ..catalog.views import list_query
from ..live import socket_path
from ..pieces.listing import ListQuery, providers
from ..web.query import with_query
from ..web.responses import page_or_fragment
from . import access
from .matrix import Column, fleet_rows, matching
from .routing import current_fleet

if TYPE_CHECKING:
    from .bulk import BulkResult

bp = Blueprint("fleet", __name__)


@bp.get("/fleet")
def index() -> Response:
    """The model x host matrix, searched and filtered as the query string says."""
    return fleet_page(list_query())


def fleet_page(query: ListQuery, result: "BulkResult | None" = None) -> Response:
    """The page (for htmx, its matrix alone), with how a bulk action went (``result``)."""
    hosts = current_fleet().hosts
    for host in hosts.values():
        host.list_if_due()
    columns = [Column(name, host.snapshot) for name, host in hosts.items()]
    rows = fleet_rows(columns)
    page_url = with_query(url_for("fleet.index"), query.query_string())
    return page_or_fragment(
        "fleet/index.html",
        "fleet/_matrix.html",
        query=query,
        columns=columns,
        rows=matching(rows, query),
        total=len(rows),
        providers=providers([model for row in rows for model in row.models]),
        page_url=page_url,
        sockets={
            column.name: socket_path(hosts[column.name], column.live, page_url)
            for column in columns
        },
        acting_hosts=frozenset(name for name in hosts if access.may_act_on(g.user, name)),
        result=result,
    )
