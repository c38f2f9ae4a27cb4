"""The model panel: a Flask app that manages the models of one Pieces OS instance.

``create_app`` builds it from its packages, one per concern: ``pieces`` (talking to Pieces OS),
``catalog`` (the model pages and actions), ``live`` (live updates), ``accounts`` (who may do
what), ``activity`` (the log), ``security`` (request guards), ``serving`` (gunicorn, health),
``web`` (what every view shares); ``simulator`` is a stand-in Pieces OS for tests and demos.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None) -> "Flask":
    """Build the panel (``app.create_app``). Imported on call: gunicorn's master reads its
    settings from modules of this package, and must not import Flask, requests and ssl before
    the gevent worker patches the standard library."""
    from .app import create_app as build

    return build(test_config)
