"""Each host's pages under ``/hosts/<name>/``; the first host's also where they always were.

Every route of the host pages' blueprints gets a twin under ``/hosts/<host_name>`` with the same
endpoint. A request through a twin sets its host (``g.live_host``, 404 for a name the fleet does
not know) before the view runs; ``url_for`` in it then builds the twins' URLs by itself, and the
first host's pages keep their URLs without the prefix.
"""

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, has_request_context, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Rule

from ..config import HOST_NAME_PATTERN

if TYPE_CHECKING:
    from ..live.host import LiveHost
    from .registry import Fleet

#: The blueprints of one host's pages: its models, their actions, its live socket.
HOST_PAGES = ("catalog", "actions", "cleanup", "custom", "editing", "runtime", "live", "notices")
HOST_PREFIX = "/hosts/<host_name:host_name>"


class HostNameConverter(BaseConverter):
    regex = HOST_NAME_PATTERN.pattern


def current_fleet() -> "Fleet":
    return current_app.extensions["fleet"]


def host_named(name: str) -> "LiveHost":
    """The host called ``name``; 404 if there is none."""
    host = current_fleet().get(name)
    if host is None:
        abort(404, description=f"There is no host named {name[:40]!r}.")
    return host


def request_host_name() -> str | None:
    """The host the request acts on: the one its URL (or the API) names, the first host for a
    host page without prefix; None for a page of no host (Users, Activity, the fleet page)."""
    host = g.get("live_host")
    if host is not None:
        return host.name
    blueprint = (request.endpoint or "").partition(".")[0] if has_request_context() else ""
    return current_fleet().default.name if blueprint in HOST_PAGES else None


def init_app(app: Flask) -> None:
    """After every host page's blueprint is registered."""
    app.url_map.converters["host_name"] = HostNameConverter
    for rule in list(app.url_map.iter_rules()):
        if rule.endpoint.partition(".")[0] in HOST_PAGES:
            twin = Rule(HOST_PREFIX + rule.rule, **rule.get_empty_kwargs())
            twin.websocket = rule.websocket  # (not among werkzeug's empty kwargs)
            app.url_map.add(twin)
    app.url_value_preprocessor(take_host_from_url)
    app.url_defaults(keep_host_in_urls)


def take_host_from_url(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "host_name" in values:
        g.live_host = host_named(values.pop("host_name"))


def keep_host_in_urls(endpoint: str, values: dict[str, Any]) -> None:
    """URLs of host pages built while a host's page is handled or rendered lead to that host's
    pages; the first host's, to the paths without prefix."""
    if endpoint.partition(".")[0] not in HOST_PAGES:
        return
    fleet = current_fleet()
    if "host_name" not in values and g.get("live_host") is not None:
        values["host_name"] = g.live_host.name
    if values.get("host_name") == fleet.default.name:
        del values["host_name"]


def host_named_by_page(app: Flask, page_url: str) -> str | None:
    """Whose page ``page_url`` is: the host its URL names (``/hosts/<name>/...``), "" for a
    host page under the URLs without prefix (the first host's), None for a page of no host
    (the Activity, Users or Hosts page)."""
    try:
        endpoint, values = app.url_map.bind("panel").match(urlsplit(page_url).path, "GET")
    except (HTTPException, ValueError):
        return None
    if endpoint.partition(".")[0] not in HOST_PAGES:
        return None
    return str(values.get("host_name", ""))
