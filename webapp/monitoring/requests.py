"""The panel's own requests: how many, by route, method and status, and how long they took.

Routes are the URL rules (``/models/<model_id:model_id>``), never the paths asked for: a label
per model id or per scanner's guess would grow without end.
"""

import time

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram

UNMATCHED = "(no route)"


def count_requests(app: Flask, registry: CollectorRegistry) -> None:
    answered = Counter(
        "panel_requests",
        "Requests the panel answered, by route, method and status.",
        ["route", "method", "status"],
        registry=registry,
    )
    latency = Histogram(
        "panel_request_duration_seconds",
        "Time from the request reaching Flask to its answer, by route.",
        ["route"],
        registry=registry,
    )

    @app.before_request
    def start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        route = request.url_rule.rule if request.url_rule else UNMATCHED
        answered.labels(route, request.method, str(response.status_code)).inc()
        if started is not None:
            latency.labels(route).observe(time.perf_counter() - started)
        return response
