"""``GET /metrics``: for the addresses in METRICS_ALLOWED (a scraper on the panel's machine, by
default), in Prometheus's text format. Nobody needs to be logged in; anybody else gets 403."""

import ipaddress

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

bp = Blueprint("metrics", __name__)


def address_allowed(address: str | None) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped:
        client = client.ipv4_mapped
    return any(client in network for network in current_app.config["METRICS_ALLOWED"])


@bp.get("/metrics")
def metrics() -> Response:
    if not address_allowed(request.remote_addr):
        abort(403, description="Metrics are served only to the addresses in METRICS_ALLOWED.")
    body = generate_latest(current_app.extensions["metrics_registry"])
    return Response(body, content_type=CONTENT_TYPE_LATEST)
