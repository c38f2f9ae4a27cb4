"""Freeing disk and memory: deleting a downloaded model's files, unloading every model.

Both are asked about first (``web.confirmation``: a GET shows the confirmation, the POST that
carries it does the deed) and logged; every open page sees the models change.
"""

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from ..accounts.gate import requires
from ..activity import log as activity_log
from ..live import current_client, current_live
from ..live.state import Outcome
from ..pieces.client import UpstreamError
from ..pieces.model import Model
from ..web.confirmation import Confirmation, require_confirmation
from ..web.navigation import safe_local_path
from ..web.responses import page_or_fragment
from .actions import answer, ask_to_confirm, fail, read_model

bp = Blueprint("cleanup", __name__)
#: The "Unload everything" button's id: "Keep it" comes back to it.
UNLOAD_ALL_ID = "unload-all"


def files_kept_because(model: Model) -> str | None:
    """Why the model's files cannot be deleted now, for a person; None if they can."""
    if model.can_delete_files:
        return None
    if model.cloud:
        return "it runs in the cloud and has no files here"
    if model.loaded:
        return "it is loaded; unload it first"
    if model.downloading:
        return "it is downloading; cancel the download first"
    if not model.downloaded:
        return "it has no downloaded files"
    return f"it is {model.state}"


@bp.get("/models/<model_id:model_id>/delete-files")
@requires("act")
def confirm_delete_files(model_id: str) -> Response:
    """Ask before deleting a model's files (in place of its row or card with htmx)."""
    model = read_model(model_id)
    kept = files_kept_because(model)
    if kept:
        abort(409, description=f"Cannot delete the files of {model.name}: {kept}.")
    size = f" ({model.size_bytes / 1e9:.2f} GB)" if model.size_bytes else ""
    return ask_to_confirm(
        model,
        model_id,
        Confirmation(
            f"Delete the downloaded files of {model.name}?",
            f"This frees their disk space{size}; using the model again means downloading it again.",
            url_for("cleanup.delete_files", model_id=model_id),
            "Delete files",
            back_url=safe_local_path(request.args.get("next")),
            opener="action-delete-files",
        ),
    )


@bp.post("/models/<model_id:model_id>/delete-files")
@requires("act")
def delete_files(model_id: str) -> Response:
    """Delete a model's downloaded files (``POST /models/{id}/delete/cache``); refused while it
    is loaded or downloading."""
    require_confirmation("Deleting a model's files")
    return delete_files_of(model_id)


def delete_files_of(model_id: str) -> Response:
    """(Confirmed, or asked for through the API.) Delete the files, log it, answer the caller."""
    client, host = current_client(), current_live()
    with activity_log.attempt("delete-files", model_id, host=host.name) as attempt:
        model = read_model(model_id, attempt)
        kept = files_kept_because(model)
        if kept:
            refusal = f"Cannot delete the files of {model.name}: {kept}."
            attempt.refused(refusal)
            row = host.action_went_wrong(
                model, Outcome("delete-files", g.user.name, "refused", refusal)
            )
            return answer(model, row=row, error=refusal, status=409)
        try:
            client.delete_files(model_id)
            updated = client.get_model(model_id)
        except UpstreamError as failure:
            return fail("delete-files", model, attempt, failure)
    return answer(
        updated,
        row=host.model_heard(updated),
        message=f"Deleted the downloaded files of {updated.name}.",
    )


@bp.get("/unload-all")
@requires("act")
def confirm_unload_all() -> Response:
    """Ask before unloading every model, naming them."""
    loaded = [model.name for model in current_live().snapshot.models if model.loaded]
    named = f" ({', '.join(loaded)})" if loaded else ""
    return page_or_fragment(
        "confirm.html",
        "_confirm.html",
        confirmation=Confirmation(
            "Unload every loaded model?",
            f"Every loaded model{named} leaves memory, whoever loaded it; loading one again "
            "takes time.",
            url_for("cleanup.unload_all"),
            "Unload everything",
            back_url=safe_local_path(request.args.get("next")) + f"#{UNLOAD_ALL_ID}",
            fields={"next": safe_local_path(request.args.get("next"))},
        ),
    )


@bp.post("/unload-all")
@requires("act")
def unload_all() -> Response:
    """Unload every model (``POST /models/unload``); every page sees them unloaded."""
    require_confirmation("Unloading every model")
    client, host = current_client(), current_live()
    back = safe_local_path(request.form.get("next"))
    with activity_log.attempt("unload-all", None, host=host.name) as attempt:
        try:
            before = [model.name for model in client.list_models() if model.loaded]
            client.unload_all()
        except UpstreamError as failure:
            attempt.failed(str(failure))
            flash(str(failure), "error")
            return redirect(back, 303)
        done = (
            f"Unloaded {len(before)} model{'s' if len(before) != 1 else ''}"
            f"{': ' + ', '.join(before) if before else ''}."
        )
        attempt.succeeded(done)
    host.refresh_now()
    flash(done, "success")
    return redirect(back, 303)
