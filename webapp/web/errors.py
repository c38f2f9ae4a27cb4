"""HTTP errors as pages: the whole error page, or the message alone for htmx to show."""
from flask import current_app, render_template
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .responses import is_htmx


def render_http_error(error: HTTPException):
    template = "_error.html" if is_htmx() else "error.html"
    return render_template(template, error=error), error.code


def refuse_large_request(_error: RequestEntityTooLarge):
    """A body over MAX_REQUEST_KB (MAX_CONTENT_LENGTH), refused before it is read."""
    limit = current_app.config["MAX_REQUEST_KB"]
    return render_http_error(RequestEntityTooLarge(
        f"The request is larger than the {limit} KB the panel accepts, so nothing was done."))
