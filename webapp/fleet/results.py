"""How a bulk action went on each host: the fleet page with a box saying it (``done``, where a
bulk action's answer leads), as the log entries named in its query string say now.

While a host's action is pending the box follows it: when the activity log changes, the fleet
page's socket tells it (live/publish.py) and it fetches itself again (``box``), until no host
is pending. A reload shows the same, without JavaScript.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from werkzeug.wrappers import Response

from ..activity import log as activity_log
from ..db import get_db
from ..live.host import LiveHost
from ..pieces.listing import list_query_of
from ..web.navigation import safe_local_path
from .bulk import BULK_ACTIONS, model_name
from .pages import fleet_page
from .routing import current_fleet

bp = Blueprint("bulk_result", __name__)
ENTRY_ID = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class HostOutcome:
    """How the action went on one host, as its log entry says: ``outcome`` is the entry's
    (ok, pending, refused or failed), ``text`` its detail; ``log_url``: the activity log of
    the model on that host, where a pending action ends."""

    entry_id: int
    host: str
    outcome: str
    text: str
    log_url: str


@dataclass(frozen=True)
class BulkResult:
    done: str  # "Download Gemma"
    model_name: str
    outcomes: tuple[HostOutcome, ...]
    back: str  # the fleet page it was asked from, with its search and filters

    @property
    def pending(self) -> bool:
        return any(each.outcome == "pending" for each in self.outcomes)


@bp.get("/fleet/bulk/done")
def done() -> Response:
    """The fleet page saying how a bulk action went on each host; 400 for entries that are
    not one bulk action's."""
    result = bulk_result(current_fleet().hosts)
    return fleet_page(list_query_of(result.back), result)


@bp.get("/fleet/bulk/result")
def box() -> str:
    """The box alone, as the log says now (the page's box fetches itself again)."""
    return render_template("fleet/_result.html", result=bulk_result(current_fleet().hosts))


def bulk_result(hosts: Mapping[str, LiveHost]) -> BulkResult:
    """How the bulk action whose log entries the request names went, on each host."""
    entries = bulk_entries(request.args.getlist("entry"), len(hosts))
    action = BULK_ACTIONS[entries[0].action]
    model_id = entries[0].model_id or ""
    name = model_name(model_id, hosts)
    return BulkResult(
        action.of_model(name),
        name,
        tuple(
            HostOutcome(
                entry.id,
                entry.host or "",
                entry.outcome,
                entry.detail or f"{action.label}: done.",
                url_for("activity.index", model=model_id, host=entry.host),
            )
            for entry in entries
        ),
        safe_local_path(request.args.get("next"), url_for("fleet.index")),
    )


def bulk_entries(ids: Sequence[str], most: int) -> list[activity_log.Entry]:
    """The log entries of one bulk action (one model, one action, each on a host of its own),
    by their ids; 400 saying why when the ids name anything else."""
    if not 0 < len(ids) <= most or not all(ENTRY_ID.fullmatch(each) for each in ids):
        abort(400, description=f"entry must be 1 to {most} log entry numbers.")
    entries = [activity_log.entry_of(get_db(), int(each)) for each in ids]
    found = [entry for entry in entries if entry is not None]
    hosts = {entry.host for entry in found}
    if (
        len(found) != len(ids)
        or len({(entry.action, entry.model_id) for entry in found}) != 1
        or found[0].action not in BULK_ACTIONS
        or None in hosts
        or len(hosts) != len(found)
    ):
        abort(400, description="Those log entries are not one action on several hosts.")
    return found
