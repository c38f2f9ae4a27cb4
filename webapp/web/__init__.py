"""What every view shares: a page or an htmx fragment, safe ways back, error pages (a body over
MAX_REQUEST_KB among them), the names of the fleet's hosts (``hosts``), and the Jinja filters
that turn raw values into what a person reads."""

from flask import Flask
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import filters
from .errors import refuse_large_request, render_http_error
from .navigation import next_url
from .query import with_query


def init_app(app: Flask) -> None:
    filters.init_app(app)
    # Bodies are refused past this size before anything reads them (the CSRF check reads forms
    # whole, before anybody has logged in).
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_REQUEST_KB"] * 1024
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(RequestEntityTooLarge, refuse_large_request)
    app.jinja_env.globals["next_url"] = next_url
    app.add_template_filter(with_query)
