"""Model URLs as the catalog's views and templates see them: ids checked on the way in, and
links that keep the list's search and filters on the way out."""
from flask import abort, g

from ..pieces.listing import list_query_of
from ..pieces.model import InvalidModelId, check_model_id
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
