"""``GET /metrics``, in Prometheus's text format: for the addresses in METRICS_ALLOWED (a scraper
on the panel's machine, by default) or a request with an API token (``Authorization: Bearer``,
accounts/bearer.py); anybody else gets 403, logged in or not."""

import ipaddress

from flask import Blueprint, Response, abort, current_app, g, request
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
    if g.get("token") is None and not address_allowed(request.remote_addr):
        abort(
            403,
            description="Metrics are served to the addresses in METRICS_ALLOWED, "
            "or with an API token.",
        )
    body = generate_latest(current_app.extensions["metrics_registry"])
    return Response(body, content_type=CONTENT_TYPE_LATEST)
