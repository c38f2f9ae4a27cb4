"""Download, cancel, load and unload: POSTs that call the matching Pieces OS route.

With htmx the answer is the model's row (or card) rendered from the ``Model`` Pieces OS returned,
swapped in place. Without JavaScript the buttons are plain forms and the answer is a redirect back
with a flash message (POST/Redirect/GET).
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
)

from .listing import list_query_of
from .models import Model
from .rendering import is_htmx, next_url
from .upstream import ModelGone, PiecesClient, Unreachable, UpstreamError, current_client

bp = Blueprint("actions", __name__)

VIEWS = {"row": "_row.html", "card": "_card.html"}


@dataclass(frozen=True)
class Action:
    name: str
    call: Callable[[PiecesClient, str], Model]
    done: str  # past tense, for the flash message


ACTIONS = {
    action.name: action for action in (
        Action("download", PiecesClient.download, "Download started"),
        Action("cancel", PiecesClient.cancel_download, "Download canceled"),
        Action("load", PiecesClient.load, "Loaded"),
        Action("unload", PiecesClient.unload, "Unloaded"),
    )
}


@bp.post("/models/<path:model_id>/<any(download, cancel, load, unload):action_name>")
def act(model_id: str, action_name: str):
    """Run one action on one model, if it applies to the model's current state."""
    action = ACTIONS[action_name]
    client = current_client()
    try:
        model = client.get_model(model_id)
    except UpstreamError as failure:
        return answer_failure(model_id, None, failure)
    if action.name not in model.available_actions:
        refusal = f"Cannot {action.name} {model.name}: it is {model.state}."
        return answer(model, error=refusal, status=409)
    try:
        updated = action.call(client, model_id)
    except UpstreamError as failure:
        return answer_failure(model_id, model, failure)
    return answer(updated, message=f"{action.done}: {updated.name}.")


def answer(model: Model | None, *, model_id: str | None = None, message: str | None = None,
           error: str | None = None, status: int = 200) -> Response:
    """The re-rendered row or card for htmx; a redirect with a flash message otherwise."""
    if not is_htmx():
        flash(error or message, "error" if error else "success")
        return redirect(next_url(), 303)
    template = VIEWS.get(request.form.get("view", "row"), VIEWS["row"])
    html = render_template(template, model=model, model_id=model_id or model.id, error=error,
                           query=list_query_of(next_url()))
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def answer_failure(model_id: str, model: Model | None, failure: UpstreamError) -> Response:
    """Say what went wrong on the model's row; an unreachable Pieces OS is the page's banner."""
    if isinstance(failure, Unreachable) and is_htmx():
        response = make_response(render_template("_banner.html", error=failure, oob=True))
        response.headers["HX-Reswap"] = "none"
        response.vary.add("HX-Request")
        return response
    status = 410 if isinstance(failure, ModelGone) else 200
    return answer(model, model_id=model_id, error=str(failure), status=status)
