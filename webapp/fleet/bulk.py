"""Bulk actions: one model downloaded, loaded, unloaded or its files deleted on several hosts in
one submit.

The fleet page's form for a model (a GET, with a box per host) leads to a confirmation that
names every host and what each gets or loses; the confirmed POST runs each host's action through
the buttons' own code (catalog/actions.py ``carry_out``, cleanup.py ``delete_files_of``: the
same checks, the same log entry, with its host), one host after another, and redirects to the
fleet page saying how it went on each (results.py, from the log entries' ids in its query
string). A host that refuses or fails does not stop the others.
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from flask import Blueprint, abort, g, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ..accounts.scopes import and_list
from ..accounts.users import forbidden_message
from ..activity import log as activity_log
from ..catalog.actions import ACTIONS, ON_SEVERAL_HOSTS, carry_out
from ..catalog.cleanup import delete_files_of
from ..live.host import LiveHost
from ..live.views import LiveSnapshot
from ..pieces.ids import InvalidModelId, check_model_id
from ..pieces.model import Model
from ..web.confirmation import Confirmation, require_confirmation
from ..web.filters import gigabytes
from ..web.navigation import safe_local_path
from ..web.responses import page_or_fragment
from . import access
from .matrix import Column, FleetRow
from .routing import current_fleet

bp = Blueprint("bulk", __name__)
#: The box of the answer saying how it went on each host (results.py).
RESULT_ID = "bulk-result"


@dataclass(frozen=True)
class BulkAction:
    name: str
    label: str  # "Download", on the form's button
    applies: Callable[[Model], bool]  # to the model as a host has it now
    #: What a host gets or loses, said on the confirmation: "frees 4.20 GB of disk; …".
    consequence: Callable[[Model, LiveSnapshot], str]

    def of_model(self, model_name: str) -> str:
        """What is done, with the model's name: "Load Gemma", "Delete the files of Gemma"."""
        if self.name == "delete-files":
            return f"Delete the files of {model_name}"
        return f"{self.label} {model_name}"


def _downloading(model: Model, _live: LiveSnapshot) -> str:
    return f"downloads its files ({gigabytes(model.size_bytes)})"


def _loading(model: Model, live: LiveSnapshot) -> str:
    memory = live.memory
    said = f"it takes {gigabytes(model.ram_bytes)} of memory"
    if memory.left is not None:
        said += f" ({gigabytes(memory.left)} left)"
    short = memory.shortfall(model)
    return f"{said}; it may not fit ({gigabytes(short)} short)" if short else said


def _unloading(model: Model, _live: LiveSnapshot) -> str:
    return f"it leaves memory ({gigabytes(model.ram_bytes)} freed): whoever uses it there loses it"


def _deleting(model: Model, _live: LiveSnapshot) -> str:
    return (
        f"frees {gigabytes(model.size_bytes)} of disk; using it there again means downloading "
        "it again"
    )


BULK_ACTIONS = {
    action.name: action
    for action in (
        BulkAction("download", "Download", lambda model: model.can_download, _downloading),
        BulkAction("load", "Load", lambda model: model.can_load, _loading),
        BulkAction("unload", "Unload", lambda model: model.can_unload, _unloading),
        BulkAction("delete-files", "Delete files", lambda model: model.can_delete_files, _deleting),
    )
}


class BadBulkRequest(ValueError):
    """A bulk action's fields that say no one thing to do; the message says which and why."""


@dataclass(frozen=True)
class BulkRequest:
    model_id: str
    action: BulkAction
    hosts: tuple[str, ...]  # in the fleet's order, each once


def read_request(values: MultiDict, known_hosts: Collection[str]) -> BulkRequest:
    """The model, the action and the hosts a form names (``known_hosts``: the fleet's, in
    order)."""
    action = BULK_ACTIONS.get(values.get("action", ""))
    if action is None:
        raise BadBulkRequest(f"The action must be one of: {', '.join(BULK_ACTIONS)}.")
    try:
        model_id = check_model_id(values.get("model", ""))
    except InvalidModelId as error:
        raise BadBulkRequest(f"The model: {error}.") from None
    ticked = values.getlist("host")
    if not ticked:
        raise BadBulkRequest("Tick at least one host.")
    unknown = [name for name in ticked if name not in known_hosts]
    if unknown:
        raise BadBulkRequest(f"There is no host named {unknown[0][:40]!r}.")
    return BulkRequest(model_id, action, tuple(name for name in known_hosts if name in ticked))


@dataclass(frozen=True)
class Choice:
    """A bulk action offered for a model: every host that lists it and where the person may
    act, each with whether the action applies there now."""

    action: BulkAction
    hosts: tuple[tuple[str, bool], ...]


def choices(row: FleetRow, columns: Sequence[Column], acting: Collection[str]) -> list[Choice]:
    """The bulk actions that apply to ``row``'s model on at least one of the hosts ``acting``
    names (those where the person may act)."""
    offered = []
    for action in BULK_ACTIONS.values():
        hosts = tuple(
            (column.name, not column.live.unreachable and action.applies(cell.model))
            for column, cell in zip(columns, row.cells, strict=True)
            if cell is not None and cell.model is not None and column.name in acting
        )
        if any(applies for _name, applies in hosts):
            offered.append(Choice(action, hosts))
    return offered


def what_each_gets(asked: BulkRequest, hosts: Mapping[str, LiveHost]) -> list[str]:
    """A line per host for the confirmation: what it gets or loses, or why it will refuse."""
    lines = []
    for name in asked.hosts:
        live = hosts[name].snapshot
        model = live.model(asked.model_id)
        if model is None:
            lines.append(f"{name}: does not list this model now, so it will refuse.")
        elif live.unreachable:
            lines.append(f"{name}: Pieces OS is not answering there now.")
        elif not asked.action.applies(model):
            lines.append(f"{name}: it is {model.state} there, so it will refuse.")
        else:
            lines.append(f"{name}: {asked.action.consequence(model, live)}.")
    return lines


def model_name(model_id: str, hosts: Mapping[str, LiveHost]) -> str:
    """The model's name as the first host that lists it says, else its id."""
    for host in hosts.values():
        model = host.snapshot.model(model_id)
        if model is not None:
            return model.name
    return model_id


def bulk_request(values: MultiDict, hosts: Mapping[str, LiveHost]) -> BulkRequest:
    """The request's bulk action, if the person may act on every host it names; 403 or 400
    (saying why) otherwise."""
    if not any(access.may_act_on(g.user, name) for name in hosts):
        abort(403, description=forbidden_message(g.user, "act"))
    try:
        asked = read_request(values, list(hosts))
    except BadBulkRequest as error:
        abort(400, description=str(error))
    refused = [name for name in asked.hosts if not access.may_act_on(g.user, name)]
    if refused:
        abort(403, description=forbidden_message(g.user, "act", and_list(refused)))
    return asked


@bp.get("/fleet/bulk")
def confirm() -> Response:
    """Ask before acting on several hosts, naming what each gets or loses."""
    hosts = current_fleet().hosts
    asked = bulk_request(request.args, hosts)
    back = safe_local_path(request.args.get("next"), url_for("fleet.index"))
    label, count = asked.action.label, len(asked.hosts)
    on_hosts = f"{count} host{'s' if count != 1 else ''}"
    return page_or_fragment(
        "confirm.html",
        "_confirm.html",
        confirmation=Confirmation(
            f"{asked.action.of_model(model_name(asked.model_id, hosts))} on {on_hosts}?",
            "On each host, one after another:",
            url_for("bulk.run"),
            f"{label} on {on_hosts}",
            back_url=back,
            fields={
                "model": asked.model_id,
                "action": asked.action.name,
                "host": list(asked.hosts),
                "next": back,
            },
            details=tuple(what_each_gets(asked, hosts)),
        ),
    )


@bp.post("/fleet/bulk")
def run() -> Response:
    """Do the confirmed action on each host; answer with a redirect to how it went (``done``),
    so that reloading it shows how it goes now and does nothing again."""
    hosts = current_fleet().hosts
    asked = bulk_request(request.form, hosts)
    require_confirmation(f"{asked.action.label} on several hosts")
    setattr(g, ON_SEVERAL_HOSTS, True)
    entries = [act_on(hosts[name], asked) for name in asked.hosts]
    back = safe_local_path(request.form.get("next"), url_for("fleet.index"))
    # The answer opens on how it went (the browser focuses the element it names).
    return redirect(url_for("bulk_result.done", entry=entries, next=back, _anchor=RESULT_ID), 303)


def act_on(host: LiveHost, asked: BulkRequest) -> int:
    """The action on one host, through the buttons' code (with the request's host set to it
    meanwhile): the id of its log entry."""
    g.live_host = host
    g.pop("activity_entry", None)
    try:
        if asked.action.name == "delete-files":
            delete_files_of(asked.model_id)
        else:
            with activity_log.attempt(asked.action.name, asked.model_id, host=host.name) as attempt:
                carry_out(ACTIONS[asked.action.name], asked.model_id, attempt)
    except HTTPException:
        pass  # how a click's answer ends when Pieces OS could not say what the model is
    finally:
        del g.live_host  # the page that answers is of no one host
        g.pop("live_snapshot", None)
    entry_id: int = g.activity_entry  # each action logs its attempt first
    return entry_id
