"""The Activity page (``/activity``): the log, filtered and paged by its query string."""
from flask import Blueprint, abort, request

from .activity import ACTIONS, OUTCOMES
from .activity_search import ActivityQuery, BadActivityQuery, search
from .db import get_db
from .rendering import page_or_fragment

bp = Blueprint("activity", __name__)


@bp.get("/activity")
def index():
    """Who did what and how it ended, newest first; 400 when a filter is invalid."""
    try:
        query = ActivityQuery.from_args(request.args)
    except BadActivityQuery as error:
        abort(400, description=str(error))
    return page_or_fragment("activity.html", "_activity.html", log=search(get_db(), query),
                            actions=ACTIONS, outcomes=OUTCOMES)
