"""The Hosts page (``/hosts``), for admins: every host of the fleet, whether it answers and its
version; adding a host, changing its name or address, testing it, removing it.

Plain forms (POST, then a redirect back with a message), as on the Users page; the Test button
answers in its row with htmx. A refused change shows the page again with the reason and a 4xx
status, and is logged. Before a host is added, or given another address, its Pieces OS is asked
for its version (``probe``): one that does not answer, or runs a version the panel does not
support, is refused unless the admin ticks "anyway". The database comes first (``stored``: it
checks and logs the change), then the fleet's live state (``registry``).

The routes of one host are under ``/hosts/<name>/``, like the host's own pages (``routing``),
with paths none of those use (tests/fleet/test_hosts_page.py checks).
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from ..accounts.gate import requires
from ..accounts.sessions import announce_sessions_ended
from ..activity import log as activity_log
from ..config import HOST_NAME_PATTERN
from ..db import get_db
from ..live.host import LiveHost
from ..web.confirmation import Confirmation, require_confirmation
from ..web.responses import is_htmx
from . import probe, stored
from .names import HostError, check_host_name
from .registry import Fleet
from .routing import current_fleet, host_named

bp = Blueprint("hosts", __name__)


class HostConflict(HostError):
    """A change the fleet as it stands forbids (the last host, a host set by the environment)."""

    status = 409


@dataclass(frozen=True)
class HostRow:
    """One host as the Hosts page shows it; ``answer``: what it said to the Test button."""

    name: str
    url: str
    first: bool
    reachable: bool
    version: str | None
    supported: bool | None
    error: str | None
    comes_from: str
    #: Set by the environment (PIECES_OS_URL or discovery): changed there, not on the page.
    configured: bool
    answer: probe.Answer | None = None


@bp.get("/hosts")
@requires("manage_hosts")
def index() -> tuple[str, int]:
    return hosts_page()


@bp.post("/hosts")
@requires("manage_hosts")
def add() -> tuple[str, int] | Response:
    """Add a host from the "Add a host" form, once its Pieces OS answered as it should."""
    name, url = typed("name"), typed("url")

    def apply() -> str:
        check_host_name(name)
        check_name_free(name)
        address = stored.check_url(url)
        check_address_free(address)
        answer = usable_answer(
            address,
            "Nothing was added: tick “Add it anyway” to add it all the same (one that is off "
            "now, say).",
        )
        stored.add_host(get_db(), name, address, actor=g.user.name)
        current_fleet().add(name, address)
        return said(f"Added {name}", answer)

    logged_as = name if HOST_NAME_PATTERN.fullmatch(name) else None
    return change("add-host", logged_as, apply, {"name": name, "url": url})


@bp.post("/hosts/<host_name:name>/change")
@requires("manage_hosts")
def change_host(name: str) -> tuple[str, int] | Response:
    """Rename a host and/or give it another address (asked first, as for a new host)."""
    host = host_named(name)
    new_name, url = typed("name") or name, typed("url") or host.client.base_url

    def apply() -> str:
        refuse_if_configured(name, "changed")
        check_host_name(new_name)
        if new_name != name:
            check_name_free(new_name)
        address = stored.check_url(url)
        if (new_name, address) == (name, host.client.base_url):
            raise HostError(f"{name} has that name and address already: nothing to change.")
        moved = address != host.client.base_url
        answer = None
        if moved:
            check_address_free(address)
            answer = usable_answer(
                address, "Nothing was changed: tick “Change it anyway” to change it all the same."
            )
        stored.change_host(get_db(), name, new_name, address, actor=g.user.name)
        current_fleet().replace(name, new_name, address, by=g.user.name)
        if new_name == name:
            return said(f"Moved {name} to {address}", answer)
        moved_too = f" and moved it to {address}" if moved else ""
        return said(f"Renamed {name} to {new_name}{moved_too}", answer)

    return change("change-host", name, apply)


@bp.post("/hosts/<host_name:name>/test")
@requires("manage_hosts")
def test(name: str) -> tuple[str, int] | Response:
    """Ask the host's Pieces OS now; nothing is changed. In its row with htmx, else as a
    message on the page."""
    host = host_named(name)
    answer = probe.ask(current_fleet().client(host.client.base_url), current_app.config)
    if is_htmx():
        return render_template(
            "fleet/_host_row.html", host=host_row(current_fleet(), host, answer)
        ), 200
    flash(f"{name}: {answer.described}", "success" if answer.problem is None else "error")
    return redirect(url_for("hosts.index", _anchor=f"host-{name}"), 303)


@bp.get("/hosts/<host_name:name>/remove")
@requires("manage_hosts")
def confirm_remove(name: str) -> str | tuple[str, int]:
    """Ask before removing a host; one that cannot be removed is refused at once."""
    host = host_named(name)
    try:
        check_removable(name)
    except HostError as refusal:
        return hosts_page(str(refusal), refusal.status)
    comes_back = ""
    if any(name == each or host.client.base_url == url for each, url in configured_hosts()):
        comes_back = (
            " PIECES_OS_HOSTS names it: it comes back when the panel starts again, unless it "
            "is taken out of that setting."
        )
    return render_template(
        "confirm.html",
        confirmation=Confirmation(
            f"Remove the host {name}?",
            f"The panel stops managing the Pieces OS at {host.client.base_url}: the open pages "
            f"of {name} say so and stop, and the downloads and loads under way there are no "
            "longer followed: Pieces OS may go on with them, and the activity log ends them "
            "as of unknown outcome. Pieces OS and its models stay as they are; "
            f"what was done on {name} stays in the activity log." + comes_back,
            url_for("hosts.remove", name=name),
            f"Remove {name}",
            back_url=url_for("hosts.index", _anchor=f"remove-{name}"),
        ),
    )


@bp.post("/hosts/<host_name:name>/remove")
@requires("manage_hosts")
def remove(name: str) -> tuple[str, int] | Response:
    """Remove a host (once confirmed); what was done on it stays in the activity log."""
    host_named(name)
    require_confirmation("Removing a host")

    def apply() -> str:
        check_removable(name)
        now_viewers = stored.remove_host(get_db(), name, actor=g.user.name)
        current_fleet().remove(name, by=g.user.name)
        if not now_viewers:
            return f"Removed {name}."
        announce_sessions_ended()  # their open pages close now, not at the next check
        return (
            f"Removed {name}. {' and '.join(now_viewers)} acted on {name} only: "
            f"{'they are viewers' if len(now_viewers) > 1 else 'now a viewer'} on every host."
        )

    return change("remove-host", name, apply)


# -- checks ------------------------------------------------------------------------------------


def check_name_free(name: str) -> None:
    """Names are unique across the fleet, the host set by the environment included."""
    if current_fleet().get(name) is not None:
        raise HostError(f"There is a host named {name} already: choose another name.")


def check_address_free(address: str) -> None:
    """One Pieces OS is one host: under two names, each of its actions would be followed (and
    logged, and counted) twice."""
    for name, host in current_fleet().hosts.items():
        if host.client.base_url == address:
            raise HostError(f"{name} is at {address} already: one Pieces OS is one host.")


def refuse_if_configured(name: str, done: str) -> None:
    fleet = current_fleet()
    if fleet.configured_local and name == fleet.default.name:
        raise HostConflict(
            f"{name} is set by the environment ({comes_from_environment()}), not on this page, "
            f"so it cannot be {done} here: set PIECES_OS_URL (or PIECES_OS_HOSTS) and restart "
            "the panel."
        )


def check_removable(name: str) -> None:
    refuse_if_configured(name, "removed")
    if len(current_fleet().hosts) == 1:
        raise HostConflict(f"{name} is the panel's last host: add another one first.")


def usable_answer(url: str, nothing_done: str) -> probe.Answer:
    """What the Pieces OS at ``url`` answers, if the panel may take it (see probe)."""
    answer = probe.ask(current_fleet().client(url), current_app.config)
    probe.require_usable(answer, request.form.get("anyway") == "yes", nothing_done)
    return answer


def said(done: str, answer: probe.Answer | None) -> str:
    """What was done, and how the Pieces OS asked first answered (if one was)."""
    if answer is None:
        return f"{done}."
    if answer.problem is None:
        return f"{done} (Pieces OS {answer.version})."
    return f"{done}, although: {answer.problem}"


def typed(field: str) -> str:
    return request.form.get(field, "").strip()


def configured_hosts() -> tuple[tuple[str, str], ...]:
    return current_app.config["PIECES_OS_HOSTS"] or ()


def comes_from_environment() -> str:
    return "PIECES_OS_URL" if current_app.config["PIECES_OS_URL"] else "found on this machine"


# -- answering ---------------------------------------------------------------------------------


def change(
    action: str, host: str | None, apply: Callable[[], str], form: dict | None = None
) -> tuple[str, int] | Response:
    """Make one change; redirect back with what was done, or show the page with the reason
    (and log the refusal)."""
    try:
        done = apply()
    except HostError as refusal:
        activity_log.record(
            get_db(),
            user=g.user.name,
            action=action,
            outcome="refused",
            detail=str(refusal),
            host=host,
        )
        return hosts_page(str(refusal), refusal.status, form)
    flash(done, "success")
    return redirect(url_for("hosts.index"), 303)


def hosts_page(
    error: str | None = None, status: int = 200, typed: dict | None = None
) -> tuple[str, int]:
    fleet = current_fleet()
    rows = [host_row(fleet, host) for host in fleet.ask_every_host().values()]
    return render_template("fleet/hosts.html", hosts=rows, error=error, typed=typed or {}), status


def host_row(fleet: Fleet, host: LiveHost, answer: probe.Answer | None = None) -> HostRow:
    live = host.snapshot
    first = host is fleet.default
    configured = first and fleet.configured_local
    return HostRow(
        name=host.name,
        url=host.client.base_url,
        first=first,
        reachable=live.error is None,
        version=live.instance.version,
        supported=live.instance.supported,
        error=str(live.error) if live.error is not None else None,
        comes_from=comes_from_environment() if configured else "the database",
        configured=configured,
        answer=answer,
    )
