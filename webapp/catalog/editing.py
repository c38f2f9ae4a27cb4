"""Editing custom models: a form that sends the whole updated ``Model`` to Pieces OS."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..accounts.gate import requires
from ..activity import log as activity_log
from ..live import current_client, current_live
from ..pieces.client import ModelGone, UpstreamError
from .form import ModelForm, apply_changes

bp = Blueprint("editing", __name__)


@bp.route("/models/<model_id:model_id>/edit", methods=["GET", "POST"])
@requires("edit")
def edit(model_id: str) -> ResponseReturnValue:
    """Show the form; on submit validate it, apply it to the current Model and send that (the
    attempt and how it ended go to the activity log)."""
    client = current_client()
    try:
        model = client.get_model(model_id)
    except ModelGone as gone:
        abort(404, description=str(gone))
    except UpstreamError as failure:
        return render_template("catalog/edit.html", model=None, model_id=model_id, error=failure)
    if not model.can_edit:
        abort(409, description=f"{model.name} is not a custom model, so it cannot be edited.")

    if request.method == "GET":
        return render_template("catalog/edit.html", model=model, form=ModelForm.from_model(model))
    form = ModelForm.from_form(request.form)
    changes = form.validate()
    with activity_log.attempt("edit", model.id, model.name, host=current_live().name) as attempt:
        if form.errors:
            attempt.refused(f"Invalid values in: {', '.join(form.errors)}.")
            return render_template("catalog/edit.html", model=model, form=form), 422
        try:
            updated = client.update_model(apply_changes(model.raw, changes))
        except UpstreamError as failure:
            attempt.failed(str(failure))
            return render_template("catalog/edit.html", model=model, form=form, error=failure)
    # Every open page shows the saved model now, and the live state never again its older copy.
    current_live().model_heard(updated)
    flash(f"Saved {updated.name}.", "success")
    return redirect(url_for("catalog.detail", model_id=updated.id), 303)
