"""HTTP errors as pages: the whole error page, the message alone for htmx to show, or for the
JSON API a problem document (RFC 9457, ``application/problem+json``)."""

import json
from typing import cast

from flask import Response, current_app, render_template
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .responses import is_api_request, is_htmx

#: Where an htmx request's error goes (base.html): never in the place of what it targeted, so
#: a refused action cannot take its row off the page.
ERROR_AREA = "#request-error"

#: An error page (or for htmx its message, with the headers that place it) and its status.
ErrorAnswer = tuple[str, int, dict[str, str]] | tuple[str, int] | Response


def render_http_error(error: HTTPException) -> ErrorAnswer:
    # ``code`` is typed optional: only a bare HTTPException lacks one, and Flask answers those
    # itself without calling an error handler; the panel's own calls pass standard ones.
    # The error's own headers go along (WWW-Authenticate, Retry-After, Allow).
    headers = {name: value for name, value in error.get_headers() if name != "Content-Type"}
    if is_api_request():
        return problem(error, headers)
    if is_htmx():
        headers.update({"HX-Retarget": ERROR_AREA, "HX-Reswap": "innerHTML"})
        return render_template("_error.html", error=error), cast(int, error.code), headers
    return render_template("error.html", error=error), cast(int, error.code), headers


def problem(error: HTTPException, headers: dict[str, str]) -> Response:
    """The error as a problem document: its status, name and what a person can read of it."""
    body = {
        "type": "about:blank",
        "title": error.name,
        "status": error.code,
        "detail": error.description,
    }
    return Response(json.dumps(body), error.code, headers, content_type="application/problem+json")


def refuse_large_request(_error: RequestEntityTooLarge) -> ErrorAnswer:
    """A body over MAX_REQUEST_KB (MAX_CONTENT_LENGTH), refused before it is read."""
    limit = current_app.config["MAX_REQUEST_KB"]
    return render_http_error(
        RequestEntityTooLarge(
            f"The request is larger than the {limit} KB the panel accepts, so nothing was done."
        )
    )
