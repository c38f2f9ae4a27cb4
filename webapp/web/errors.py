"""HTTP errors as pages: the whole error page, or the message alone for htmx to show."""
from flask import render_template
from werkzeug.exceptions import HTTPException

from .responses import is_htmx


def render_http_error(error: HTTPException):
    template = "_error.html" if is_htmx() else "error.html"
    return render_template(template, error=error), error.code
