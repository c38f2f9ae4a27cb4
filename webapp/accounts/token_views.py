"""API tokens on the account page: each person makes and revokes their own; an admin also
revokes anybody's. A new token is shown once, in the answer to the form that made it."""

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from ..db import get_db
from .account import account_page
from .tokens import UnknownToken, create_token, revoke_token
from .users import UserError

bp = Blueprint("tokens", __name__)


@bp.post("/account/tokens")
def create() -> tuple[str, int]:
    name = request.form.get("name", "")
    days_text = request.form.get("expires_days", "").strip()
    try:
        if days_text and not days_text.isdigit():
            raise UserError("The number of days is a whole number (or empty: never).")
        days = int(days_text) if days_text else None
        token = create_token(get_db(), g.user, name, days, actor=g.user.name)
    except UserError as refusal:
        return account_page(str(refusal), refusal.status)
    return account_page(new_token=(name.strip(), token), status=201)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    owner = None if g.user.can("manage_users") else g.user
    try:
        token = revoke_token(get_db(), token_id, actor=g.user.name, owner=owner)
    except UnknownToken as unknown:
        abort(404, description=str(unknown))
    whose = "Your" if token.owner == g.user.name else f"{token.owner}'s"
    flash(f"{whose} token {token.name!r} is revoked: it no longer works.", "success")
    return redirect(url_for("account.index"), 303)
