"""Your account (``/account``): any logged-in person changes their own password there. The
current password is asked first, so a session left open on a shared screen cannot take the
account over; the new password ends the account's other sessions, this one goes on. The page
also lists the person's API tokens (token_views.py makes and revokes them)."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..activity import log as activity_log
from ..db import get_db
from .login import seconds_to_wait, throttle
from .sessions import announce_sessions_ended
from .tokens import MAX_EXPIRY_DAYS, list_tokens
from .users import UserError, authenticate, set_password
from .views import stay_logged_in_if_own, typed_password

bp = Blueprint("account", __name__)


class WrongPassword(UserError):
    status = 403


@bp.get("/account")
def index() -> tuple[str, int]:
    """The form that changes the password."""
    return account_page()


@bp.post("/account/password")
def change_password() -> tuple[str, int] | tuple[str, int, dict[str, str]] | Response:
    """Check the current password (guesses are slowed down as on the login form), then set the
    new one typed twice."""
    address, name = request.remote_addr or "", g.user.name
    wait = seconds_to_wait(address, name)
    if wait:
        html, status = account_page(f"Too many wrong passwords; try again in {wait} s.", 429)
        return html, status, {"Retry-After": str(wait)}
    try:
        if authenticate(get_db(), name, request.form.get("current_password", "")) is None:
            throttle().failed(address, name)
            activity_log.record(
                get_db(),
                user=name,
                action="set-password",
                outcome="failed",
                detail="Wrong current password on the account page.",
            )
            raise WrongPassword("The current password is wrong; nothing was changed.")
        throttle().succeeded(address, name)
        set_password(get_db(), name, typed_password(), actor=name)
    except UserError as refusal:
        return account_page(str(refusal), refusal.status)
    stay_logged_in_if_own(g.user.name)
    announce_sessions_ended()
    flash("Your password is changed; your other sessions have ended.", "success")
    return redirect(url_for("account.index"), 303)


def account_page(
    error: str | None = None, status: int = 200, new_token: tuple[str, str] | None = None
) -> tuple[str, int]:
    """The page, with the person's API tokens (an admin's shows everybody's), and a token just
    made (its name and the token itself), shown this once."""
    db = get_db()
    own = list_tokens(db, g.user)
    others = [token for token in list_tokens(db) if token.owner != g.user.name]
    return render_template(
        "accounts/account.html",
        error=error,
        tokens=own,
        others_tokens=others if g.user.can("manage_users") else [],
        new_token=new_token,
        max_expiry_days=MAX_EXPIRY_DAYS,
    ), status
