"""Download, cancel, load and unload: POSTs that call the matching Pieces OS route.

With htmx the answer is the model's row (or card) rendered from the ``Model`` Pieces OS returned,
swapped in place. Without JavaScript the buttons are plain forms and the answer is a redirect back
with a flash message (POST/Redirect/GET).
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, flash, g, make_response, redirect, render_template, request

from ..accounts.gate import requires
from ..activity import log as activity_log
from ..live import current_hub
from ..pieces.client import (
    ModelGone,
    PiecesClient,
    TimedOut,
    Unreachable,
    UpstreamError,
    current_client,
)
from ..pieces.model import Model
from ..web.navigation import next_url
from ..web.responses import is_htmx, vary_on_htmx

bp = Blueprint("actions", __name__)

VIEWS = {"row": "catalog/_row.html", "card": "catalog/_card.html"}


@dataclass(frozen=True)
class Action:
    name: str
    call: Callable[[PiecesClient, str], Model]
    label: str  # on the button
    done: str  # past tense, for the flash message


ACTIONS = {
    action.name: action for action in (
        Action("download", PiecesClient.download, "Download", "Download started"),
        Action("cancel", PiecesClient.cancel_download, "Cancel download", "Download canceled"),
        Action("load", PiecesClient.load, "Load", "Loaded"),
        Action("unload", PiecesClient.unload, "Unload", "Unloaded"),
    )
}
ACTION_LABELS = {name: action.label for name, action in ACTIONS.items()}


@bp.post("/models/<model_id:model_id>/<any(download, cancel, load, unload):action_name>")
@requires("act")
def act(model_id: str, action_name: str):
    """Run one action on one model, if it applies to the model's current state; the attempt and
    how it ended go to the activity log."""
    with activity_log.attempt(action_name, model_id) as attempt:
        return carry_out(ACTIONS[action_name], model_id, attempt)


def carry_out(action: Action, model_id: str, attempt: activity_log.Attempt) -> Response:
    client = current_client()
    try:
        model = client.get_model(model_id)
    except UpstreamError as failure:
        attempt.failed(str(failure))
        return answer_failure(model_id, None, failure)
    attempt.identify(model.name)
    if action.name not in model.available_actions:
        refusal = f"Cannot {action.name} {model.name}: it is {model.state}."
        attempt.refused(refusal)
        current_hub().model_changed(model)  # whoever still sees it otherwise learns why
        return answer(model, error=refusal, status=409)
    hub = current_hub()
    if action.name == "download":
        hub.watch_download(model, started_by=g.user.name, entry=attempt.entry_id)
    elif action.name == "cancel":
        hub.cancel_requested(model_id, by=g.user.name)
    try:
        updated = action.call(client, model_id)
    except TimedOut as failure:
        if action.name != "load":
            return fail(action, model, attempt, failure)
        entry = attempt.keep_pending(f"{failure}; the panel checks until it is loaded.")
        hub.load_pending(model, entry, by=g.user.name)
        return answer(model, message=f"Loading {model.name}: Pieces OS has not finished yet; "
                                     "its row changes when it has.")
    except UpstreamError as failure:
        return fail(action, model, attempt, failure)
    if action.name == "download":  # the hub settles it with how the download ends
        attempt.keep_pending("Downloading…")
    hub.model_changed(updated)
    if action.name == "cancel" and updated.downloading:
        hub.cancel_pending(model_id, attempt.keep_pending(
            "Pieces OS answered the cancel still downloading."))
        return answer(updated, message=f"Cancel requested for {updated.name}: Pieces OS is "
                                       "still downloading; its row says when it stops.")
    return answer(updated, message=f"{action.done}: {updated.name}.")


def fail(action: Action, model: Model, attempt: activity_log.Attempt,
         failure: UpstreamError) -> Response:
    """The action failed in Pieces OS: say so, with why local models may not work now."""
    hub = current_hub()
    if action.name == "download":
        hub.forget_download(model.id)
    runtime = hub.instance().runtime
    if action.name in ("download", "load") and runtime and runtime.blocks_local_models:
        message = f"{failure} {runtime.explanation}"
    else:
        message = str(failure)
    attempt.failed(message)
    return answer_failure(model.id, model, failure, message)


@bp.post("/models/<model_id:model_id>/dismiss")
@requires("act")
def dismiss(model_id: str):
    """Clear how the last download ended from the model's row, for everybody."""
    hub = current_hub()
    hub.dismiss_ending(model_id)
    try:
        model = current_client().get_model(model_id)
    except UpstreamError as failure:
        return answer_failure(model_id, None, failure)
    hub.model_changed(model)
    return answer(model, message=f"Dismissed how the last download of {model.name} ended.")


def answer(model: Model | None, *, model_id: str | None = None, message: str | None = None,
           error: str | None = None, status: int = 200) -> Response:
    """The re-rendered row or card for htmx; a redirect with a flash message otherwise."""
    if not is_htmx():
        flash(error or message, "error" if error else "success")
        return redirect(next_url(), 303)
    template = VIEWS.get(request.form.get("view", "row"), VIEWS["row"])
    html = render_template(template, model=model, model_id=model_id or model.id, error=error)
    return vary_on_htmx(make_response(html, status))


def answer_failure(model_id: str, model: Model | None, failure: UpstreamError,
                   message: str | None = None) -> Response:
    """Say what went wrong on the model's row (``message``, or the failure's own words); an
    unreachable Pieces OS is the page's banner."""
    if isinstance(failure, Unreachable) and is_htmx():
        response = make_response(render_template("_banner.html", error=failure, oob=True))
        response.headers["HX-Reswap"] = "none"
        return vary_on_htmx(response)
    status = 410 if isinstance(failure, ModelGone) else 200
    return answer(model, model_id=model_id, error=message or str(failure), status=status)
