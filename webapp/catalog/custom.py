"""The rest of a custom model's life, for admins: adding one (``POST /models/create``, from a
form validated like the edit form) and deleting one (``POST /models/{id}/delete``, confirmed
first). Both are logged."""

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from ..accounts.gate import requires
from ..activity import log as activity_log
from ..live import current_client, current_live
from ..pieces.client import UpstreamError
from ..web.confirmation import Confirmation, require_confirmation
from ..web.navigation import safe_local_path
from ..web.responses import is_htmx
from .actions import answer, answer_failure, ask_to_confirm, read_model
from .form import ModelForm, apply_changes

bp = Blueprint("custom", __name__)

#: What a new custom model is besides what the form says: a chat model that runs on this
#: machine (through Ollama), not yet downloaded.
NEW_MODEL = {
    "cloud": False,
    "custom": True,
    "downloaded": False,
    "type": "BALANCED",
    "usage": "CODE_CONVERSATION",
}


@bp.route("/custom-models/new", methods=["GET", "POST"])
@requires("edit")
def create() -> ResponseReturnValue:
    """Show the form; on submit validate it like the edit form and ask Pieces OS to add it."""
    if request.method == "GET":
        return render_template("catalog/new.html", form=ModelForm.from_form(MultiDict()))
    form = ModelForm.from_form(request.form)
    changes = form.validate()
    with activity_log.attempt(
        "create-model", None, form.values["name"] or None, host=current_live().name
    ) as attempt:
        if form.errors:
            attempt.refused(f"Invalid values in: {', '.join(form.errors)}.")
            return render_template("catalog/new.html", form=form), 422
        created = {"value": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            model = current_client().create_model(
                apply_changes({**NEW_MODEL, "created": created}, changes)
            )
        except UpstreamError as failure:
            attempt.failed(str(failure))
            return render_template("catalog/new.html", form=form, error=failure)
        attempt.identify(model.name, model.id)
    current_live().model_heard(model)
    flash(f"Added {model.name}.", "success")
    return redirect(url_for("catalog.detail", model_id=model.id), 303)


@bp.get("/models/<model_id:model_id>/delete")
@requires("edit")
def confirm_delete(model_id: str) -> Response:
    """Ask before deleting a custom model (in place of its card with htmx)."""
    model = read_model(model_id)
    return ask_to_confirm(
        model,
        model_id,
        Confirmation(
            f"Delete the custom model {model.name}?",
            "Pieces OS forgets it: its settings, and its files if downloaded. This cannot be "
            "undone.",
            url_for("custom.delete", model_id=model_id),
            "Delete the model",
            back_url=safe_local_path(request.args.get("next")),
            opener="action-delete-model",
        ),
    )


@bp.post("/models/<model_id:model_id>/delete")
@requires("edit")
def delete(model_id: str) -> ResponseReturnValue:
    """Delete a custom model; back to the list, which no longer shows it."""
    require_confirmation("Deleting a custom model")
    client = current_client()
    with activity_log.attempt("delete-model", model_id, host=current_live().name) as attempt:
        model = read_model(model_id, attempt)
        if not model.custom:
            refusal = f"{model.name} is not a custom model, so it cannot be deleted."
            attempt.refused(refusal)
            return answer(model, error=refusal, status=409)
        try:
            client.delete_model(model_id)
        except UpstreamError as failure:
            attempt.failed(str(failure))
            return answer_failure(model_id, model, failure)
    current_live().model_gone(model_id)
    flash(f"Deleted {model.name}.", "success")
    if is_htmx():  # the card is gone: the whole list, as without JavaScript
        return "", 204, {"HX-Redirect": url_for("catalog.index")}
    return redirect(url_for("catalog.index"), 303)
