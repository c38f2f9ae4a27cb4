"""The Users page (``/users``), for admins: add accounts, change roles (and the hosts an
operator acts on) and passwords, remove; who is here (each account's last login and open
sessions, ``presence``) and ending a session.

Plain forms (POST, then a redirect back with a message); a refused change shows the page again
with the reason and a 4xx status. A change that ended sessions is announced, so that their open
live sockets close at once.
"""

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from ..db import get_db
from ..web.confirmation import Confirmation, require_confirmation
from ..web.hosts import host_names
from .gate import requires
from .presence import end_session_of, open_pages, open_sessions
from .scopes import describe_role
from .sessions import announce_sessions_ended, session_limits, start_session
from .users import (
    ROLES,
    LastAdmin,
    UserError,
    add_user,
    find_user,
    is_last_admin,
    list_users,
    remove_user,
    set_password,
    set_role,
)

bp = Blueprint("users", __name__)


@bp.get("/users")
@requires("manage_users")
def index() -> tuple[str, int]:
    """Every account, with the forms that change them."""
    return users_page()


@bp.post("/users")
@requires("manage_users")
def add() -> tuple[str, int] | Response:
    """Create an account from the "Add a user" form."""
    name, role = request.form.get("name", "").strip(), request.form.get("role", "")
    hosts = chosen_hosts(role)

    def apply() -> None:
        user = add_user(
            get_db(),
            name,
            role,
            typed_password(),
            actor=g.user.name,
            hosts=hosts,
            known_hosts=host_names(),
        )
        flash(f"Added {user.name} as {user.standing}.", "success")

    return change(apply, typed={"name": name, "role": role, "hosts": hosts})


@bp.post("/users/<name>/role")
@requires("manage_users")
def change_role(name: str) -> tuple[str, int] | Response:
    """Give an account another role; an operator, the hosts it acts on (none ticked: every
    host)."""
    role = request.form.get("role", "")

    def apply() -> None:
        hosts = chosen_hosts(role)
        set_role(get_db(), name, role, actor=g.user.name, hosts=hosts, known_hosts=host_names())
        stay_logged_in_if_own(name)
        standing = describe_role(role, hosts, every_host=len(host_names()) > 1)
        flash(f"{name} is now {standing}.", "success")

    return change(apply)


@bp.post("/users/<name>/password")
@requires("manage_users")
def change_password(name: str) -> tuple[str, int] | Response:
    """Set a new password; the account's other sessions end. Not the admin's own: the account
    page asks for the current password first (a session left open must not take it over)."""

    def apply() -> None:
        if name.casefold() == g.user.name.casefold():
            raise UserError(
                "Change your own password on your account page: it asks for the current one."
            )
        set_password(get_db(), name, typed_password(), actor=g.user.name)

    return change(apply, f"Changed the password of {name}.")


@bp.post("/users/<name>/sessions/<ref>/end")
@requires("manage_users")
def end_session(name: str, ref: str) -> tuple[str, int] | Response:
    """End one open session of an account (its open pages are told why, and close)."""
    return change(
        lambda: end_session_of(get_db(), name, ref, actor=g.user, current=g.session_hash),
        f"Ended a session of {name}.",
    )


@bp.get("/users/<name>/remove")
@requires("manage_users")
def confirm_remove(name: str) -> str | tuple[str, int]:
    """Ask before deleting an account; the last admin is refused at once, before any
    question."""
    user = find_user(get_db(), name)
    if user is None:
        abort(404, description=f"There is no user named {name!r}.")
    if is_last_admin(get_db(), user):
        return users_page(str(LastAdmin(user.name)), LastAdmin.status)
    return render_template(
        "confirm.html",
        confirmation=Confirmation(
            f"Remove the account {name}?",
            f"{name} can no longer log in and is logged out everywhere; what {name} did stays in "
            "the activity log.",
            url_for("users.remove", name=name),
            f"Remove {name}",
            back_url=url_for("users.index", _anchor=f"remove-{name}"),
        ),
    )


@bp.post("/users/<name>/remove")
@requires("manage_users")
def remove(name: str) -> tuple[str, int] | Response:
    """Delete an account (once confirmed); what it did stays in the activity log."""
    require_confirmation("Removing an account")
    return change(lambda: remove_user(get_db(), name, actor=g.user.name), f"Removed {name}.")


def stay_logged_in_if_own(name: str) -> None:
    """A change that ended all sessions of the admin's own account: this one goes on anew."""
    if name.casefold() == g.user.name.casefold():
        user = find_user(get_db(), name)
        if user is not None:
            start_session(get_db(), session, user)


def chosen_hosts(role: str) -> list[str]:
    """The hosts ticked in the form, for an operator (the boxes mean nothing for the other
    roles: admins act on every host, viewers on none)."""
    return request.form.getlist("hosts") if role == "operator" else []


def typed_password() -> str:
    """The new password, typed twice in the form; refused when the two differ."""
    password = request.form.get("password", "")
    if password != request.form.get("password_repeat", ""):
        raise UserError("The two passwords differ; nothing was changed.")
    return password


def change(
    apply: Callable[[], object], done: str | None = None, typed: dict | None = None
) -> tuple[str, int] | Response:
    """Make one change; redirect back with ``done`` (or what ``apply`` said), or show the page
    with the reason."""
    try:
        apply()
    except UserError as refusal:
        return users_page(str(refusal), refusal.status, typed)
    announce_sessions_ended()
    if done:
        flash(done, "success")
    return redirect(url_for("users.index"), 303)


def users_page(
    error: str | None = None, status: int = 200, typed: dict | None = None
) -> tuple[str, int]:
    db = get_db()
    users = list_users(db)
    admins = [user for user in users if user.role == "admin"]
    return render_template(
        "accounts/users.html",
        users=users,
        last_admin=admins[0] if len(admins) == 1 else None,
        sessions=open_sessions(db, session_limits(current_app.config)),
        pages_open=open_pages(),
        roles=ROLES,
        hosts=host_names(),
        error=error,
        typed=typed or {},
    ), status
