"""The local runtime (Ollama) managed from the panel, by admins: install, update, cancel an
install or update under way, and uninstall (asked about first). Buttons on the machine card;
each comes back to the page, which says how it went (POST/Redirect/GET; with htmx, HX-Redirect).

Each is logged. An install or update answers at once: its entry stays pending until Pieces OS's
status says how it ended (live/runtime_jobs.py), and every open page follows its progress. Each
acts on the runtime as Pieces OS says it is at that moment, never as a page last showed it.
"""

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, flash, g, make_response, redirect, request, url_for
from werkzeug.wrappers import Response

from ..accounts.gate import requires
from ..activity import log as activity_log
from ..live import current_client, current_live
from ..pieces import runtime_api
from ..pieces.client import UpstreamError
from ..pieces.runtime import LocalRuntime
from ..web.confirmation import Confirmation, require_confirmation
from ..web.navigation import safe_local_path
from ..web.responses import is_htmx, page_or_fragment, vary_on_htmx

bp = Blueprint("runtime", __name__)
T = TypeVar("T")

#: The buttons' labels.
LABELS = {
    "install": "Install Ollama",
    "update": "Update Ollama",
    "cancel": "Cancel",
    "uninstall": "Uninstall Ollama",
}


class Refused(Exception):
    """The runtime action does not apply now, or Pieces OS could not be asked; the message
    says why (it is already in the log)."""


@bp.post("/runtime/<any(install, update, cancel):action>")
@requires("manage_runtime")
def act(action: str) -> Response:
    """Install or update Ollama, or cancel the install or update under way."""
    with activity_log.attempt(f"{action}-runtime", None, host=current_live().name) as attempt:
        try:
            runtime = runtime_now(action, attempt)
            message = {"install": install, "update": update, "cancel": cancel}[action](
                runtime, attempt
            )
        except Refused as refusal:
            return back_with(str(refusal), "error")
    return back_with(message, "success")


@bp.get("/runtime/uninstall")
@requires("manage_runtime")
def confirm_uninstall() -> Response:
    """Ask before uninstalling Ollama, saying what stops working."""
    back = safe_local_path(request.args.get("next"))
    return page_or_fragment(
        "confirm.html",
        "_confirm.html",
        confirmation=Confirmation(
            "Uninstall Ollama from Pieces OS?",
            "Every local model leaves memory and none can be downloaded or loaded until Ollama "
            "is installed again; their downloaded files stay. Cloud models go on working.",
            url_for("runtime.uninstall"),
            "Uninstall Ollama",
            back_url=back,
            fields={"next": back},
        ),
    )


@bp.post("/runtime/uninstall")
@requires("manage_runtime")
def uninstall() -> Response:
    """Uninstall Ollama (``POST /ollama/uninstall`` with its installation)."""
    require_confirmation("Uninstalling Ollama")
    client, host = current_client(), current_live()
    with activity_log.attempt("uninstall-runtime", None, host=host.name) as attempt:
        try:
            runtime = runtime_now("uninstall", attempt)
            installation = runtime.installation
            assert installation is not None, "uninstall applies only when installed"
            removed = call(lambda: runtime_api.uninstall(client, installation), attempt)
        except Refused as refusal:
            return back_with(str(refusal), "error")
        done = f"Uninstalled Ollama {removed.version or runtime.installed_version}."
        attempt.succeeded(done)
    take_in_status()
    host.refresh_now()  # its local models left memory
    return back_with(done, "success")


def install(runtime: LocalRuntime, attempt: activity_log.Attempt) -> str:
    job_asked("install", attempt, lambda: runtime_api.install(current_client()))
    return "Installing Ollama: every page shows its progress, the activity log how it ends."


def update(runtime: LocalRuntime, attempt: activity_log.Attempt) -> str:
    version = runtime.update_version
    assert version is not None, "update applies only with a version to update to"
    job_asked("update", attempt, lambda: runtime_api.update(current_client(), version))
    return (
        f"Updating Ollama to {version}: every page shows its progress, the activity log how "
        "it ends."
    )


def cancel(runtime: LocalRuntime, attempt: activity_log.Attempt) -> str:
    kind, identifier = runtime.running_kind, runtime.running_id
    assert kind and identifier, "cancel applies only to an install or update under way"
    host = current_live()
    # Said first: the status that shows it stopped may come (pushed) before the answer.
    host.runtime_cancel_asked(g.user.name)
    try:
        call(lambda: runtime_api.cancel(current_client(), kind, identifier), attempt)
    except Refused:
        host.runtime_cancel_asked(None)
        raise
    at = f" at {runtime.percentage:.0f} %" if runtime.percentage is not None else ""
    done = f"Cancelled the {kind} of Ollama{at}."
    attempt.succeeded(done)
    take_in_status()
    return done


def job_asked(kind: str, attempt: activity_log.Attempt, ask: Callable[[], object]) -> None:
    """An install or update: followed from before it is asked (its progress may come pushed
    before the answer) until Pieces OS's status says it ended."""
    host = current_live()
    host.runtime_job_started(kind, g.user.name, attempt.entry_id)
    try:
        call(ask, attempt)
    except Refused:
        host.runtime_job_dropped()
        raise
    attempt.keep_pending(f"{kind.capitalize()} asked; Pieces OS reports how it goes on.")
    host.runtime_job_answered()
    take_in_status()


def runtime_now(action: str, attempt: activity_log.Attempt) -> LocalRuntime:
    """The runtime as Pieces OS says it is now (every page then shows it); Refused when the
    action does not apply to it."""
    runtime = call(current_client().local_runtime, attempt)
    current_live().runtime_heard(runtime)
    if action not in runtime.available_actions:
        if runtime.updates_by_hand and action == "update":
            why = runtime.explanation
        else:
            version = f" {runtime.version}" if runtime.version else ""
            why = f"Cannot {action} Ollama now: Ollama{version} is {runtime.state_text}."
        attempt.refused(why or "")
        raise Refused(why)
    return runtime


def call(ask: Callable[[], T], attempt: activity_log.Attempt) -> T:
    """Ask Pieces OS; a failure is logged and becomes Refused."""
    try:
        return ask()
    except UpstreamError as failure:
        attempt.failed(str(failure))
        raise Refused(str(failure)) from None


def take_in_status() -> None:
    """Pieces OS's status right after an answer, so that the pages show it at once (its stream
    pushes it too; a status that cannot be read now comes with the next one)."""
    try:
        current_live().runtime_heard(current_client().local_runtime())
    except UpstreamError:
        pass


def back_with(message: str, category: str) -> Response:
    """Back to the page, which says ``message``: htmx loads it again (HX-Redirect, as deleting
    a custom model does; 409 when refused); without JavaScript, POST/Redirect/GET."""
    flash(message, category)
    back = safe_local_path(request.form.get("next"))
    if is_htmx():
        status = 409 if category == "error" else 204
        return vary_on_htmx(make_response("", status, {"HX-Redirect": back}))
    return redirect(back, 303)
