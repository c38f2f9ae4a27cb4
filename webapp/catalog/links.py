"""Model URLs as the catalog's views and templates see them: ids written as one path segment
and checked on the way in, and links that keep the list's search and filters on the way out."""

from typing import Any

from flask import abort, current_app, g, url_for
from werkzeug.routing import BaseConverter

from ..pieces.ids import InvalidModelId, check_model_id, from_segment, to_segment
from ..pieces.listing import list_query_of
from ..web.navigation import next_url

#: Stands for the model id while a route of models is built once (a valid id, which the
#: converter writes as it is).
STAND_IN_ID = "model-id"


def list_link_query() -> str:
    """The list's query string of the page being rendered, for links that keep its filters."""
    return list_query_of(next_url()).query_string()


def model_url(endpoint: str, model_id: str, **values: Any) -> str:
    """``url_for(endpoint, model_id=model_id, **values)`` at a fraction of its cost, for pages
    that link every model: the route is built once per request with a stand-in id, and each
    model's id (written by the route's own converter) takes the stand-in's place."""
    routes = g.setdefault("model_routes", {})
    key = (endpoint, *values.items())
    if key not in routes:
        routes[key] = ModelRoute.of(endpoint, **values)
    return routes[key].url(model_id)


class ModelRoute:
    """A URL of one model's route, built with ``STAND_IN_ID`` in place of the id segment."""

    def __init__(self, built: str):
        path, mark, query = built.partition("?")
        # The id segment comes last in the path bar fixed words ("/models/<id>/load"); only
        # the panel's mount point (the script root) comes before it.
        self._before, _stand_in, after = path.rpartition(STAND_IN_ID)
        self._after = after + mark + query
        self._converter = ModelIdConverter(current_app.url_map)

    @classmethod
    def of(cls, endpoint: str, **values: Any) -> "ModelRoute":
        """The route of ``endpoint`` as the request being handled would build it."""
        return cls(url_for(endpoint, model_id=STAND_IN_ID, **values))

    def url(self, model_id: str) -> str:
        return self._before + self._converter.to_url(model_id) + self._after


def check_model_id_in_url(_endpoint: str | None, values: dict[str, Any] | None) -> None:
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
