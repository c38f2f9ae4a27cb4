"""Test controls under `/__sim/` for behaviours seen in the field: odd models, downloads that
fail or restart part-way, the behaviour switches and Ollama's state.

Bad input is a 400 with a text message; an action that does not apply now is a 409.
"""

from flask import Blueprint, Response, jsonify

from .api import plain_text
from .context import current_simulator
from .control_input import BadControlInput, bad_control_input, is_number, json_body, only_keys
from .ollama import STATES, STATES_WITH_PERCENTAGE
from .state import ActionRefused, ModelNotFound

bp = Blueprint("simulator_scenarios", __name__, url_prefix="/__sim")
#: What Pieces OS says around Ollama's state, each a boolean a test may set.
ADVICE = ("inference_recommended", "user_managed")
bp.register_error_handler(BadControlInput, bad_control_input)


@bp.errorhandler(ModelNotFound)
def unknown_model(_error: ModelNotFound) -> Response:
    return plain_text("model was not found.", 404)


@bp.errorhandler(ActionRefused)
def not_applicable(error: ActionRefused) -> Response:
    return plain_text(str(error), 409)


@bp.post("/models")
def add_model() -> Response:
    """Serve one more raw model object as-is (no validation), e.g. one without `type`."""
    model = json_body(dict, "a JSON object (one model)")
    return jsonify(count=current_simulator().store.add_raw(model))


def _percentage(body: dict, key: str) -> float:
    value = body.get(key)
    if not is_number(value) or not 0 <= value <= 100:
        raise BadControlInput(f"{key} must be a number from 0 to 100.")
    return float(value)


@bp.post("/download/<model_id:model_id>/fail")
def fail_running_download(model_id: str) -> Response:
    """Make the model's running download fail once it reaches `at_percentage`."""
    body = json_body(dict, "a JSON object")
    only_keys(body, {"at_percentage"})
    at_percentage = _percentage(body, "at_percentage")
    current_simulator().store.fail_running_download(model_id, at_percentage)
    return jsonify(failing_at=at_percentage)


@bp.post("/download/<model_id:model_id>/restart")
def restart_running_download(model_id: str) -> Response:
    """Restart the model's running download from 0 % on the same sockets (RESET first)."""
    current_simulator().store.restart_running_download(model_id)
    return jsonify(restarted=True)


@bp.get("/behaviour")
def behaviour() -> Response:
    """The behaviour switches in force."""
    return jsonify(current_simulator().behaviour.current.as_json())


@bp.patch("/behaviour")
def change_behaviour() -> Response:
    """Change some behaviour switches, e.g. `{"load_seconds": 12, "cancel_is_ignored": true}`."""
    changes = json_body(dict, "a JSON object of switches to set")
    try:
        changed = current_simulator().behaviour.change(changes)
    except ValueError as error:
        raise BadControlInput(str(error)) from error
    return jsonify(changed.as_json())


@bp.post("/ollama")
def set_ollama() -> Response:
    """Set Ollama's state (`{"state": "installing", "percentage": 40}`) and/or what Pieces OS
    says around it (`{"inference_recommended": false}`, `{"user_managed": true}`: a required
    update is the user's to make); pushed to its stream."""
    body = json_body(dict, "a JSON object")
    only_keys(body, {"state", "percentage", *ADVICE})
    if not body:
        raise BadControlInput(f"give state, or one of: {', '.join(ADVICE)}.")
    for name in ADVICE:
        if name in body and not isinstance(body[name], bool):
            raise BadControlInput(f"{name} must be a boolean.")
    state = body.get("state")
    if state is not None and state not in STATES:
        raise BadControlInput(f"state must be one of: {', '.join(STATES)}.")
    percentage = None
    if state in STATES_WITH_PERCENTAGE:
        percentage = _percentage(body, "percentage")
    elif "percentage" in body:
        raise BadControlInput(f"percentage applies only to: {', '.join(STATES_WITH_PERCENTAGE)}.")
    advice = {name: body[name] for name in ADVICE if name in body}
    return jsonify(current_simulator().ollama.set(state, percentage, **advice))


@bp.post("/ollama/fail-next")
def fail_next_ollama_deployment() -> Response:
    """Make the next install or update of Ollama fail once it reaches `at_percentage`."""
    body = json_body(dict, "a JSON object")
    only_keys(body, {"at_percentage"})
    at_percentage = _percentage(body, "at_percentage")
    current_simulator().ollama.fail_next(at_percentage)
    return jsonify(failing_at=at_percentage)
