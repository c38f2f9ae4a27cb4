"""The Pieces OS Model API routes, as the contract describes them.

Errors are plain text; successes are `application/json`. Every request is counted and may be
slowed or failed by a fault a test set on its route. `<model_id:...>` accepts any id sent
percent-encoded as one path segment (see `model_ids`).
"""

import time
from typing import TYPE_CHECKING

from flask import Blueprint, Response, jsonify, request
from flask_sock import Sock

from .context import current_simulator
from .ollama import DeploymentRefused
from .routes import UNMATCHED_KEY
from .state import ActionRefused, ModelNotFound
from .subscriptions import relay
from .validation import InvalidModel

if TYPE_CHECKING:
    from simple_websocket import Server

NOT_FOUND_TEXT = "model was not found."
#: What an action route answers for an unknown id with `unknown_id_answers_500` (Dart's error
#: for a search that found nothing).
NO_ELEMENT_TEXT = "Bad state: No element"
#: The stack trace a 500 answer carries with `errors_with_stack_trace`.
DART_STACK_TRACE = """
#0      ModelsRepository.find (package:pieces_os/models/models_repository.dart:212:7)
#1      ModelController.handle (package:pieces_os/api/model_controller.dart:88:20)
<asynchronous suspension>
#2      Router.call (package:shelf_router/src/router.dart:210:18)
<asynchronous suspension>"""

bp = Blueprint("model_api", __name__)
sock = Sock()


def plain_text(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _route_key() -> str:
    """The short name of the route this request hit (endpoints are named after them)."""
    if request.blueprint == bp.name:
        return (request.endpoint or "").rpartition(".")[2]
    return UNMATCHED_KEY


@bp.before_app_request
def count_request() -> None:
    """Count every request except the test controls' own."""
    if request.blueprint in (None, bp.name):
        current_simulator().requests.count(_route_key())


@bp.before_request
def apply_route_fault() -> Response | None:
    """Delay and/or fail this request if a test asked for it."""
    fault = current_simulator().faults.take_route_fault(_route_key())
    if fault is None:
        return None
    time.sleep(fault.delay_seconds)
    if fault.status is not None:
        return plain_text(fault.text, fault.status)
    return None


@bp.before_request
def refuse_progress_for_unknown_model() -> Response | None:
    """Answer 500 before the WebSocket handshake when the model does not exist."""
    if request.endpoint == f"{bp.name}.progress":
        if not current_simulator().store.exists((request.view_args or {})["model_id"]):
            return plain_text(NOT_FOUND_TEXT, 500)
    return None


def server_error(message: str) -> Response:
    """A 500 answer, as the real server's exceptions read (with a stack trace, if so set)."""
    trace = current_simulator().behaviour.current.errors_with_stack_trace
    return plain_text(message + (DART_STACK_TRACE if trace else ""), 500)


@bp.errorhandler(ModelNotFound)
def model_not_found(_error: ModelNotFound) -> Response:
    """410, which the SDK declares for `GET /model/{id}`; the action routes may answer 500."""
    if request.endpoint != f"{bp.name}.get" and (
        current_simulator().behaviour.current.unknown_id_answers_500
    ):
        return server_error(NO_ELEMENT_TEXT)
    return plain_text(NOT_FOUND_TEXT, 410)


@bp.errorhandler(ActionRefused)
@bp.errorhandler(InvalidModel)
@bp.errorhandler(DeploymentRefused)
def action_refused(error: ActionRefused | InvalidModel | DeploymentRefused) -> Response:
    return server_error(str(error))


@bp.get("/models", endpoint="list")
def list_models() -> Response:
    """All models."""
    return jsonify({"iterable": current_simulator().store.snapshot()})


@bp.get("/model/<model_id:model_id>", endpoint="get")
def get_model(model_id: str) -> Response:
    """One model."""
    return jsonify(current_simulator().store.get(model_id))


@bp.post("/model/<model_id:model_id>/download", endpoint="download")
def download_model(model_id: str) -> Response:
    """Start downloading a local model; progress goes to its progress sockets. With
    `download_answer_seconds` the answer comes that much later, the download running."""
    simulator = current_simulator()
    answer = simulator.store.start_download(model_id)
    time.sleep(simulator.behaviour.current.download_answer_seconds)
    return jsonify(answer)


@bp.post("/model/<model_id:model_id>/download/cancel", endpoint="cancel")
def cancel_download(model_id: str) -> Response:
    """Cancel a running download."""
    return jsonify(current_simulator().store.cancel_download(model_id))


@bp.post("/model/<model_id:model_id>/load", endpoint="load")
def load_model(model_id: str) -> Response:
    """Load a downloaded model into memory, within the memory budget."""
    return jsonify(current_simulator().store.load(model_id))


@bp.post("/model/<model_id:model_id>/unload", endpoint="unload")
def unload_model(model_id: str) -> Response:
    """Free a model's memory."""
    return jsonify(current_simulator().store.unload(model_id))


@bp.post("/model/update", endpoint="update")
def update_model() -> Response:
    """Replace a custom model with the posted Model."""
    return jsonify(current_simulator().store.update(request.get_json(force=True, silent=True)))


@bp.post("/models/<model_id:model_id>/delete/cache", endpoint="delete_cache")
def delete_model_cache(model_id: str) -> Response:
    """Delete a local model's downloaded files (body: `ModelDeleteCacheInput`, i.e. `{}`)."""
    body = request.get_json(force=True, silent=True)
    if request.get_data() and not isinstance(body, dict):
        return plain_text("invalid body: a ModelDeleteCacheInput must be a JSON object.", 500)
    return jsonify({"model": {"id": current_simulator().store.delete_cache(model_id)}})


@bp.post("/models/unload", endpoint="unload_all")
def unload_all_models() -> tuple[str, int]:
    """Unload every model."""
    current_simulator().store.unload_all()
    return "", 204


@bp.post("/models/create", endpoint="create")
def create_model() -> Response:
    """Add a custom model from the posted `SeededModel`."""
    return jsonify(current_simulator().store.create(request.get_json(force=True, silent=True)))


@bp.post("/models/<model_id:model_id>/delete", endpoint="delete")
def delete_model(model_id: str) -> tuple[str, int]:
    """Delete a custom model."""
    current_simulator().store.delete(model_id)
    return "", 204


@bp.get("/os/device/information", endpoint="device")
def device_information() -> Response:
    """The machine's RAM, GPUs, CPUs and dependencies."""
    return jsonify(current_simulator().device)


@bp.get("/ollama/status", endpoint="ollama_status")
def ollama_status() -> Response:
    """Whether Ollama, which runs local models, is installed, being installed or outdated."""
    return jsonify(current_simulator().ollama.status())


@bp.post("/ollama/install", endpoint="ollama_install")
def install_ollama() -> Response:
    """Start installing Ollama; answers its `OllamaDeployment` at once (progress: the status)."""
    return jsonify(current_simulator().ollama.install())


@bp.post("/ollama/update", endpoint="ollama_update")
def update_ollama() -> Response:
    """Start updating Ollama to the posted `OllamaDeployment`'s version."""
    return jsonify(current_simulator().ollama.update(request.get_json(force=True, silent=True)))


@bp.post("/ollama/uninstall", endpoint="ollama_uninstall")
def uninstall_ollama() -> Response:
    """Remove the posted installation of Ollama; the local models it ran leave memory."""
    simulator = current_simulator()
    removed = simulator.ollama.uninstall(request.get_json(force=True, silent=True))
    simulator.store.unload_all()
    return jsonify(removed)


@bp.post("/ollama/<any(install, update):kind>/<identifier>/cancel", endpoint="ollama_cancel")
def cancel_ollama_deployment(kind: str, identifier: str) -> Response:
    """Stop the install or update under way that has this id."""
    return jsonify(current_simulator().ollama.cancel(kind, identifier))


@bp.get("/.well-known/health", endpoint="health")
def health() -> Response:
    """Liveness probe; official clients send HEAD here to find the port."""
    return plain_text("ok", 200)


@bp.get("/.well-known/version", endpoint="version")
def version() -> Response:
    """The Pieces OS version."""
    return plain_text(current_simulator().behaviour.current.version, 200)


@sock.route("/model/<model_id:model_id>/download/progress", bp=bp, endpoint="progress")
def download_progress(ws: "Server", model_id: str) -> None:
    """Send every progress frame of this model until the client leaves or is dropped."""
    simulator = current_simulator()
    relay(ws, simulator.hub, simulator.store.subscribe_progress(model_id))


@sock.route("/models/stream/identifiers", bp=bp, endpoint="identifiers")
def stream_identifiers(ws: "Server") -> None:
    """Push a `StreamedIdentifiers` frame for every change of a model (with
    `identifiers_snapshot`, one naming every model first)."""
    simulator = current_simulator()
    relay(ws, simulator.streams, simulator.store.subscribe_identifiers())


@sock.route("/ollama/status/stream", bp=bp, endpoint="ollama_stream")
def stream_ollama_status(ws: "Server") -> None:
    """Push the `OllamaStatus` at connect and at every change."""
    simulator = current_simulator()
    relay(ws, simulator.streams, simulator.ollama.subscribe())
