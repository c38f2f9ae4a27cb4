"""The Activity page (``/activity``): the log, filtered and paged by its query string."""
from flask import Blueprint, abort, g, request

from ..db import get_db
from ..web.responses import page_or_fragment
from .log import ACTIONS, OUTCOMES
from .search import ActivityQuery, BadActivityQuery, search

bp = Blueprint("activity", __name__)


@bp.get("/activity")
def index():
    """Who did what and how it ended, newest first; 400 when a filter is invalid. Names typed
    in failed logins only for those who manage users."""
    try:
        query = ActivityQuery.from_args(request.args)
    except BadActivityQuery as error:
        abort(400, description=str(error))
    log = search(get_db(), query, show_failed_login_names=g.user.can("manage_users"))
    return page_or_fragment("activity/activity.html", "activity/_activity.html",
                            log=log, actions=ACTIONS, outcomes=OUTCOMES)
