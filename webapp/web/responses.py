"""Answering a browser or htmx: the whole page for a navigation, a fragment for htmx."""

from typing import Any

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def vary_on_htmx(response: Response) -> Response:
    """The same URL answers a page or a fragment: caches must keep them apart."""
    response.vary.add("HX-Request")
    return response


def page_or_fragment(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    """The whole page for a browser navigation, only ``fragment`` for an htmx request."""
    html = render_template(fragment if is_htmx() else page, **context)
    return vary_on_htmx(make_response(html, status))


#: The JSON API's paths (webapp/api): answered in JSON, errors as problem documents.
API_PATHS = "/api/"


def is_api_request() -> bool:
    """A request of the JSON API (webapp/api): answered in JSON, errors as problem documents."""
    return request.path.startswith(API_PATHS)
