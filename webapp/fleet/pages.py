"""The fleet page (``/fleet``): every model of every host, a column per host, searched and
filtered like the list, and live.

It is rendered from each host's live snapshot alone (a host whose list is due is asked for it
by its loop, and the page learns of the answer like any change). It opens one live socket per
host, each sending that host's column: its cells, its head, and word that its models came or
went (the page then fetches its matrix again, with new sockets that send what changed since).
"""

from typing import TYPE_CHECKING

from flask import Blueprint, Response, g, render_template, url_for

from ..catalog.views import list_query
from ..live import socket_path
from ..pieces.listing import ListQuery, providers
from ..web.query import with_query
from ..web.responses import is_htmx, page_or_fragment
from . import access
from .matrix import Column, fleet_rows, matching
from .routing import current_fleet

if TYPE_CHECKING:
    from .results import BulkResult

bp = Blueprint("fleet", __name__)


@bp.get("/fleet")
def index() -> Response:
    """The model x host matrix, searched and filtered as the query string says."""
    return fleet_page(list_query())


@bp.get("/fleet/models/<model_id:model_id>/head")
def row_head(model_id: str) -> Response | tuple[str, int]:
    """A model's row head again (its bulk forms follow what it allows on each host now), when
    a host's socket said that changed; nothing (204) once no host lists it: its row goes with
    the matrix, which the page fetches again then."""
    columns = fleet_columns()
    row = next((row for row in fleet_rows(columns) if row.model.id == model_id), None)
    if row is None:
        return "", 204
    return Response(
        render_template(
            "fleet/_row_head.html",
            row=row,
            columns=columns,
            acting_hosts=acting_hosts(),
            page_url=page_url(list_query()),
        )
    )


def fleet_page(query: ListQuery, result: "BulkResult | None" = None) -> Response:
    """The page (for htmx, its matrix alone), with how a bulk action went (``result``)."""
    hosts = current_fleet().hosts
    for host in hosts.values():
        host.list_if_due()
    columns = fleet_columns()
    rows = fleet_rows(columns)
    return page_or_fragment(
        "fleet/index.html",
        "fleet/_matrix.html",
        query=query,
        columns=columns,
        rows=matching(rows, query),
        total=len(rows),
        providers=providers([model for row in rows for model in row.models]),
        page_url=page_url(query),
        sockets={
            column.name: socket_path(hosts[column.name], column.live, page_url(query))
            for column in columns
        },
        acting_hosts=acting_hosts(),
        result=result,
        fetched_again=is_htmx(),
    )


def fleet_columns() -> list[Column]:
    """A column per host, each from the host's live snapshot as it is now."""
    return [Column(name, host.snapshot) for name, host in current_fleet().hosts.items()]


def acting_hosts() -> frozenset[str]:
    """The hosts where the request's person may act."""
    return frozenset(name for name in current_fleet().hosts if access.may_act_on(g.user, name))


def page_url(query: ListQuery) -> str:
    return with_query(url_for("fleet.index"), query.query_string())
