"""Helpers shared by the views: htmx detection, full page or fragment, errors, safe redirects."""
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from .listing import SORT_LABELS, STATES, list_query_of
from .models import CAPABILITY_NAMES, InvalidModelId, check_model_id

ACTION_LABELS = {"download": "Download", "cancel": "Cancel download", "load": "Load",
                 "unload": "Unload"}


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def page_or_fragment(page: str, fragment: str, status: int = 200, **context) -> Response:
    """The whole page for a browser navigation, only ``fragment`` for an htmx request."""
    response = make_response(render_template(fragment if is_htmx() else page, **context), status)
    response.vary.add("HX-Request")
    return response


def safe_local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, ``default`` otherwise (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def next_url() -> str:
    """Where a no-JavaScript form should come back to: the page that showed it."""
    if request.method == "POST":
        return safe_local_path(request.form.get("next"))
    return request.full_path.rstrip("?")


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


def render_http_error(error: HTTPException):
    template = "_error.html" if is_htmx() else "error.html"
    return render_template(template, error=error), error.code


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(check_model_id_in_url)
    app.register_error_handler(HTTPException, render_http_error)
    app.jinja_env.globals.update(
        next_url=next_url, list_link_query=list_link_query, action_labels=ACTION_LABELS,
        states=STATES, sorts=SORT_LABELS, capability_names=CAPABILITY_NAMES,
    )
