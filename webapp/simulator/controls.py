"""Test controls under `/__sim/`: JSON in, JSON out; bad input is a 400 with a text message.

They exist only in the simulator app and are not counted as Model API requests.
"""

import json

from flask import Blueprint, Response, jsonify

from .api import plain_text
from .context import current_simulator
from .control_input import (
    BadControlInput,
    bad_control_input,
    is_int,
    is_number,
    json_body,
    only_keys,
)
from .faults import RouteFault
from .routes import ROUTE_KEYS
from .state import ModelNotFound

bp = Blueprint("simulator_controls", __name__, url_prefix="/__sim")
bp.register_error_handler(BadControlInput, bad_control_input)

#: Upper bound on an injected delay, so a typo cannot hang a test run for hours.
MAX_DELAY_SECONDS = 120


@bp.errorhandler(ModelNotFound)
def unknown_model(_error: ModelNotFound) -> Response:
    return plain_text("model was not found.", 404)


@bp.get("/stats")
def stats() -> Response:
    """Open progress sockets per model and Model API requests received per route."""
    simulator = current_simulator()
    requests_by_route = simulator.requests.snapshot()
    return jsonify(
        progress_sockets=simulator.hub.open_counts(),
        stream_sockets=simulator.streams.open_counts(),
        requests=requests_by_route,
        requests_total=sum(requests_by_route.values()),
    )


def _parse_route_fault(body: dict) -> tuple[str, RouteFault]:
    only_keys(body, {"route", "delay_seconds", "status", "text", "times"})
    route = body.get("route")
    if route not in ROUTE_KEYS:
        raise BadControlInput(f"route must be one of: {', '.join(ROUTE_KEYS)}.")
    delay = body.get("delay_seconds", 0.0)
    if not is_number(delay) or not 0 <= delay <= MAX_DELAY_SECONDS:
        raise BadControlInput(f"delay_seconds must be a number from 0 to {MAX_DELAY_SECONDS}.")
    status = body.get("status")
    if status is not None and not (is_int(status) and 400 <= status <= 599):
        raise BadControlInput("status must be an integer from 400 to 599.")
    text = body.get("text", RouteFault.text)
    if not isinstance(text, str):
        raise BadControlInput("text must be a string.")
    times = body.get("times")
    if times is not None and not (is_int(times) and times >= 1):
        raise BadControlInput("times must be a positive integer, or null for until cleared.")
    if status is None and delay == 0:
        raise BadControlInput("give delay_seconds, status, or both.")
    return route, RouteFault(delay_seconds=delay, status=status, text=text, times=times)


@bp.post("/faults")
def set_fault() -> Response:
    """Delay a route and/or make it answer an error, for some or all requests."""
    route, fault = _parse_route_fault(json_body(dict, "a JSON object"))
    faults = current_simulator().faults
    faults.set_route_fault(route, fault)
    return jsonify(faults.describe())


@bp.delete("/faults")
def clear_faults() -> Response:
    """Remove every fault, the armed download failure included."""
    faults = current_simulator().faults
    faults.clear()
    return jsonify(faults.describe())


@bp.post("/fail-next-download")
def fail_next_download() -> Response:
    """Make the next download that starts fail once it reaches `at_percentage`."""
    body = json_body(dict, "a JSON object")
    only_keys(body, {"at_percentage"})
    at_percentage = body.get("at_percentage")
    if not is_number(at_percentage) or not 0 <= at_percentage <= 100:
        raise BadControlInput("at_percentage must be a number from 0 to 100.")
    faults = current_simulator().faults
    faults.arm_download_failure(at_percentage)
    return jsonify(faults.describe())


@bp.post("/drop-progress-sockets")
def drop_progress_sockets() -> Response:
    """Cut every open progress socket, like a network failure."""
    return jsonify(dropped=current_simulator().hub.drop_all())


@bp.post("/reset")
def reset() -> Response:
    """Fresh catalogue, downloads stopped, faults cleared, counts zeroed, behaviour and Ollama
    as the app started."""
    current_simulator().reset()
    return jsonify(reset=True)


@bp.put("/models")
def replace_models() -> Response:
    """Serve this list of raw model objects as-is from now on (no validation)."""
    models = json_body(list, "a JSON list of models")
    current_simulator().store.replace_all(models)
    return jsonify(count=len(models))


@bp.patch("/model/<model_id:model_id>")
def patch_model(model_id: str) -> Response:
    """Set keys on one model directly, as if another tool had changed it."""
    changes = json_body(dict, "a JSON object of keys to set")
    return jsonify(current_simulator().store.patch(model_id, changes))


@bp.post("/progress/<model_id:model_id>")
def push_progress_frame(model_id: str) -> Response:
    """Send one raw frame to the model's progress sockets: a string as-is, else as JSON."""
    body = json_body(dict, 'a JSON object {"frame": ...}')
    only_keys(body, {"frame"})
    if "frame" not in body:
        raise BadControlInput("frame is required.")
    frame = body["frame"]
    text = frame if isinstance(frame, str) else json.dumps(frame)
    return jsonify(delivered=current_simulator().hub.broadcast(model_id, text))
