"""What every view shares: a page or an htmx fragment, safe ways back, error pages, and the
Jinja filters that turn raw values into what a person reads."""
from flask import Flask
from werkzeug.exceptions import HTTPException

from . import filters
from .errors import render_http_error
from .navigation import next_url
from .query import with_query


def init_app(app: Flask) -> None:
    filters.init_app(app)
    app.register_error_handler(HTTPException, render_http_error)
    app.jinja_env.globals["next_url"] = next_url
    app.add_template_filter(with_query)
