"""Download, cancel, load and unload: POSTs that call the matching Pieces OS route.

With htmx the answer is the model's row (or card) rendered from the ``Model`` Pieces OS returned,
swapped in place. Without JavaScript the buttons are plain forms and the answer is a redirect back
with a flash message (POST/Redirect/GET).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from ..accounts.gate import requires
from ..activity import log as activity_log
from ..db import get_db
from ..live import current_client, current_live
from ..live.state import Outcome
from ..live.views import ModelRow
from ..pieces.client import (
    ModelGone,
    PiecesClient,
    TimedOut,
    Unreachable,
    UpstreamError,
)
from ..pieces.model import Model
from ..web.confirmation import Confirmation, is_confirmed
from ..web.navigation import next_url, safe_local_path
from ..web.responses import is_api_request, is_htmx, vary_on_htmx
from .json_answer import api_answer

bp = Blueprint("actions", __name__)

#: What an action answers in place of: a model's row (lists), its card (its page), or the notice
#: whose retry it was (live/notices.py).
VIEWS = {
    "row": "catalog/_row.html",
    "card": "catalog/_card.html",
    "notice": "live/_work_notice_retried.html",
}


@dataclass(frozen=True)
class Action:
    name: str
    call: Callable[[PiecesClient, str], Model]
    label: str  # on the button
    done: str  # past tense, for the flash message


ACTIONS = {
    action.name: action
    for action in (
        Action("download", PiecesClient.download, "Download", "Download started"),
        Action("cancel", PiecesClient.cancel_download, "Cancel download", "Download cancelled"),
        Action("load", PiecesClient.load, "Load", "Loaded"),
        Action("unload", PiecesClient.unload, "Unload", "Unloaded"),
    )
}
ACTION_LABELS = {name: action.label for name, action in ACTIONS.items()}
#: Pieces OS answered a download with ``downloaded: true``: it found the files already there.
ALREADY_DOWNLOADED = "Pieces OS already had the model's files: nothing was downloaded."
#: Set on ``g`` by a request that acts on several hosts at once (fleet/bulk.py): each host's
#: action answers nothing, and how it went is read from its log entry.
ON_SEVERAL_HOSTS = "acting_on_several_hosts"


@bp.post("/models/<model_id:model_id>/<any(download, cancel, load, unload):action_name>")
@requires("act")
def act(model_id: str, action_name: str) -> Response:
    """Run one action on one model, if it applies to the model's current state; the attempt and
    how it ended go to the activity log. Cancelling or unloading somebody else's model is asked
    about first (nothing is logged or sent until it is confirmed)."""
    if action_name in ("cancel", "unload") and not is_confirmed():
        question = ask_before_taking_over(action_name, model_id)
        if question is not None:
            return question
    with activity_log.attempt(action_name, model_id, host=current_live().name) as attempt:
        return carry_out(ACTIONS[action_name], model_id, attempt)


def read_model(model_id: str, attempt: activity_log.Attempt | None = None) -> Model:
    """The model as Pieces OS has it now (named in ``attempt``'s log entry). If it cannot be
    read, the request ends here with the answer that says why (and the attempt ends with it:
    refused when Pieces OS has no such model, as nothing was tried; failed otherwise): Flask
    sends the response given to ``abort``."""
    try:
        model = current_client().get_model(model_id)
    except UpstreamError as failure:
        if attempt is not None:
            (attempt.refused if isinstance(failure, ModelGone) else attempt.failed)(str(failure))
        abort(answer_failure(model_id, None, failure))
    if attempt is not None:
        attempt.identify(model.name)
    return model


def carry_out(action: Action, model_id: str, attempt: activity_log.Attempt) -> Response:
    """Ask Pieces OS for the action. Its outcome, good or bad, is first taken in by the live
    state (every page shows it), then answered from the row the live state gives back, so that
    the answer and any live update of the row show the same outcome, whichever comes first."""
    client, host = current_client(), current_live()
    model = read_model(model_id, attempt)
    if action.name not in model.available_actions:
        refusal = f"Cannot {action.name} {model.name}: it is {model.state}."
        attempt.refused(refusal)
        row = host.action_went_wrong(model, Outcome(action.name, g.user.name, "refused", refusal))
        return answer(model, row=row, error=refusal, status=409)
    host.action_started(model, action.name, g.user.name, attempt.entry_id)
    try:
        updated = action.call(client, model_id)
    except TimedOut as failure:
        if action.name == "download" and failure.sent:  # it may download even so: followed
            host.download_unanswered(model_id)
            attempt.keep_pending(f"{failure}; the panel follows the download until it ends.")
            return answer(
                model,
                row=host.row_of(model, model_id),
                message=f"Downloading {model.name}: Pieces OS has not answered yet; "
                "its row says how the download goes.",
            )
        if action.name != "load":
            return fail(action.name, model, attempt, failure)
        row = host.load_pending(
            model, attempt.keep_pending(f"{failure}; the panel checks until it is loaded.")
        )
        return answer(
            model,
            row=row,
            message=f"Loading {model.name}: Pieces OS has not "
            "finished yet; its row changes when it has.",
        )
    except UpstreamError as failure:
        return fail(action.name, model, attempt, failure)
    if action.name == "download" and host.download_found_done(updated):
        attempt.succeeded(ALREADY_DOWNLOADED)
        return answer(updated, row=host.model_heard(updated), message=ALREADY_DOWNLOADED)
    if action.name == "download":  # the live state settles it with how the download ends
        host.download_answered(model_id)
        retried = request.form.get("retry") == "yes"  # from the notice of a failed download
        attempt.keep_pending("Downloading again (a retry)…" if retried else "Downloading…")
    if action.name == "load" and not updated.loaded:
        host.load_ended(model_id)
    if action.name == "cancel" and updated.downloading:
        host.cancel_pending(
            model_id, attempt.keep_pending("Pieces OS answered the cancel still downloading.")
        )
        return answer(
            updated,
            row=host.model_heard(updated),
            message=f"Cancel requested for {updated.name}: Pieces OS is still "
            "downloading; its row says when it stops.",
        )
    return answer(updated, row=host.model_heard(updated), message=f"{action.done}: {updated.name}.")


def owner_of(action_name: str, model_id: str) -> str | None:
    """Who started the model's download (``cancel``) or loaded it (``unload``), as far as the
    panel knows; None when it was done outside the panel or before its log began."""
    if action_name == "unload":
        return activity_log.loaded_by(model_id)
    progress = current_live().snapshot.row(None, model_id).progress
    if progress is not None and progress.started_by:
        return progress.started_by
    running = activity_log.pending_download(get_db(), model_id, current_live().name)
    return running.user if running else None


def ask_before_taking_over(action_name: str, model_id: str) -> Response | None:
    """The confirmation of a cancel or unload of a model somebody else started or loaded;
    None when it is the user's own, or the action does not apply (its refusal says why)."""
    owner = owner_of(action_name, model_id)
    if owner == g.user.name:
        return None
    model = current_live().snapshot.model(model_id)
    if model is None:
        model = read_model(model_id)
    if action_name not in model.available_actions:
        return None
    who = owner or "somebody outside the panel (or before its log began)"
    if action_name == "cancel":
        question = f"Cancel the download of {model.name}?"
        consequence = f"It was started by {who}; what was downloaded so far is lost."
    else:
        question = f"Unload {model.name}?"
        consequence = f"It was loaded by {who}, who may be using it; loading it again takes time."
    url = url_for("actions.act", model_id=model_id, action_name=action_name)
    return ask_to_confirm(
        model,
        model_id,
        Confirmation(
            question,
            consequence,
            url,
            ACTIONS[action_name].label,
            back_url=next_url(),
            opener=f"action-{action_name}",
        ),
    )


def ask_to_confirm(model: Model, model_id: str, confirmation: Confirmation) -> Response:
    """Show a model's confirmation: in place of its row or card for htmx (which then posts the
    answer as its buttons do, or puts the row back: "Keep it"), as a page of its own otherwise."""
    view = request.values.get("view", "row")
    fields = {"view": view, "next": safe_local_path(confirmation.back_url)}
    if not is_htmx():
        return vary_on_htmx(
            make_response(
                render_template("confirm.html", confirmation=replace(confirmation, fields=fields))
            )
        )
    asked = replace(
        confirmation,
        fields=fields,
        hx_target="closest .model-view",
        keep_url=url_for("catalog.model_view", model_id=model_id, view=view, next=fields["next"]),
    )
    template = VIEWS.get(view, VIEWS["row"])
    return vary_on_htmx(
        make_response(
            render_template(
                template, r=current_live().row_of(model, model_id), error=None, confirm=asked
            )
        )
    )


def fail(
    action_name: str, model: Model, attempt: activity_log.Attempt, failure: UpstreamError
) -> Response:
    """The action failed in Pieces OS: say so, with why local models may not work now, on
    every page."""
    host = current_live()
    runtime = host.snapshot.instance.runtime
    if action_name in ("download", "load") and runtime and runtime.blocks_local_models:
        message = f"{failure} {runtime.explanation}"
    else:
        message = str(failure)
    attempt.failed(message)
    row = host.action_went_wrong(model, Outcome(action_name, g.user.name, "failed", message))
    return answer_failure(model.id, model, failure, message, row=row)


@bp.post("/models/<model_id:model_id>/dismiss")
@requires("act")
def dismiss(model_id: str) -> Response:
    """Clear how the last download or action ended from the model's row, for everybody."""
    host = current_live()
    host.dismiss(model_id)
    model = read_model(model_id)
    return answer(
        model,
        row=host.model_heard(model),
        message=f"Dismissed how the last action on {model.name} ended.",
    )


def answer(
    model: Model | None,
    *,
    model_id: str | None = None,
    row: ModelRow | None = None,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The re-rendered row or card for htmx (``row``: as the live state gave it back; it says
    how the action went when it went wrong); a redirect with a flash message otherwise; for the
    JSON API, the model and the log entry (api/acting.py); nothing for one host of several
    (``ON_SEVERAL_HOSTS``)."""
    if is_api_request():
        return api_answer(model, row, error, status)
    if g.get(ON_SEVERAL_HOSTS):
        return make_response("", status)
    if not is_htmx():
        flash(error or message or "", "error" if error else "success")
        return redirect(next_url(), 303)
    template = VIEWS.get(request.form.get("view", "row"), VIEWS["row"])
    if row is None:
        shown_id = model_id or (model.id if model else None)
        assert shown_id is not None, "a model or its id"
        row = current_live().row_of(model, shown_id)
    if row.model is None and model is not None:  # (not listed yet: the model as just read)
        row = replace(row, model=model)
    said = row.model is not None and row.outcome is not None and row.outcome.text == error
    shown = None if said else error
    html = render_template(template, r=row, error=shown)
    return vary_on_htmx(make_response(html, status))


def answer_failure(
    model_id: str,
    model: Model | None,
    failure: UpstreamError,
    message: str | None = None,
    row: ModelRow | None = None,
) -> Response:
    """Say what went wrong on the model's row (``message``, or the failure's own words); an
    unreachable Pieces OS is the page's banner."""
    if is_api_request():
        gone = isinstance(failure, ModelGone)
        abort(404 if gone else 502, description=message or str(failure))
    if isinstance(failure, Unreachable) and is_htmx():
        response = make_response(render_template("_banner.html", error=failure, oob=True))
        response.headers["HX-Reswap"] = "none"
        return vary_on_htmx(response)
    status = 410 if isinstance(failure, ModelGone) else 200
    return answer(model, model_id=model_id, row=row, error=message or str(failure), status=status)
