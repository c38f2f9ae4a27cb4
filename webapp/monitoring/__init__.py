"""What a monitoring system can scrape: ``GET /metrics`` in Prometheus's text format.

``requests`` counts the panel's own requests (by route and status, with a latency histogram);
``collector`` reads, at each scrape, what the panel knows of each Pieces OS host and of its open
pages; ``views`` serves them to the addresses in METRICS_ALLOWED (or, with issue 26's tokens, to a
bearer token). Each app has a registry of its own (``prometheus_client.CollectorRegistry``).
"""

from flask import Flask
from prometheus_client import CollectorRegistry

from . import requests, views
from .collector import PanelCollector

REGISTRY = "metrics_registry"


def init_app(app: Flask) -> None:
    registry = CollectorRegistry()
    app.extensions[REGISTRY] = registry
    requests.count_requests(app, registry)
    registry.register(PanelCollector(app))
    app.register_blueprint(views.bp)
