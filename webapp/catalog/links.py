"""Model URLs as the catalog's views and templates see them: ids written as one path segment
and checked on the way in, and links that keep the list's search and filters on the way out."""
from flask import abort, g
from werkzeug.routing import BaseConverter

from ..pieces.ids import InvalidModelId, check_model_id, from_segment, to_segment
from ..pieces.listing import list_query_of
from ..web.navigation import next_url


def list_link_query() -> str:
    """The list's query string of the page being rendered, for links that keep its filters
    (worked out once per request: every row asks)."""
    if "list_link_query" not in g:
        g.list_link_query = list_query_of(next_url()).query_string()
    return g.list_link_query


def check_model_id_in_url(_endpoint, values) -> None:
    """Every ``<model_id>`` in a URL must pass the allow-list before a view sees it."""
    if values and "model_id" in values:
        try:
            check_model_id(values["model_id"])
        except InvalidModelId as error:
            abort(400, description=str(error))


class ModelIdConverter(BaseConverter):
    """``<model_id:model_id>``: any model id as exactly one path segment (see pieces.ids), so
    no id can reach another route of the panel."""

    def to_python(self, value: str) -> str:
        return from_segment(value)

    def to_url(self, value: str) -> str:
        return super().to_url(to_segment(value))
