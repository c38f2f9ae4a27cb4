"""The API's reading routes: hosts, their models, one model, and the activity log."""

from flask import Blueprint, abort, g, jsonify, request
from werkzeug.wrappers import Response

from ..activity.search import entries_after
from ..db import get_db
from ..fleet import host_named, hosts_asked_now
from ..live.described import host_json, model_json
from ..pieces.client import ModelGone, UpstreamError
from .json import entry_json

bp = Blueprint("reading", __name__)

#: At most this many activity entries per answer (``limit``'s default and ceiling).
MAX_ENTRIES = 500


def upstream_failure(host: str, error: UpstreamError) -> None:
    abort(502, description=f"Pieces OS on {host} did not answer as expected: {error}")


@bp.get("/hosts")
def hosts() -> Response:
    """Each host as it answers now (its list asked for, as a page does)."""
    return jsonify(hosts=[host_json(name, host) for name, host in hosts_asked_now().items()])


@bp.get("/hosts/<host>/models")
def models(host: str) -> Response:
    live = host_named(host)
    try:
        listed = live.fetch_models()
    except UpstreamError as error:
        upstream_failure(host, error)
    rows = live.snapshot.rows
    return jsonify(models=[model_json(model, rows.get(model.id)) for model in listed])


@bp.get("/hosts/<host>/models/<model_id:model_id>")
def model(host: str, model_id: str) -> Response:
    live = host_named(host)
    try:
        found = live.client.get_model(model_id)
    except ModelGone:
        abort(404, description=f"{host} has no model {model_id[:80]!r}.")
    except UpstreamError as error:
        upstream_failure(host, error)
    return jsonify(model_json(found, live.model_heard(found)))


@bp.get("/activity")
def activity() -> Response:
    after = whole_number("after", 0)
    limit = min(whole_number("limit", MAX_ENTRIES), MAX_ENTRIES)
    entries = entries_after(get_db(), after, limit, g.user.can("manage_users"))
    return jsonify(entries=[entry_json(entry) for entry in entries])


def whole_number(parameter: str, default: int) -> int:
    text = request.args.get(parameter)
    if text is None:
        return default
    if not text.isdigit() or len(text) > 15:
        abort(400, description=f"{parameter} must be a whole number, e.g. {parameter}=10.")
    return int(text)
