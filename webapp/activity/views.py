"""The Activity page (``/activity``): the log, filtered and paged by its query string."""
from flask import Blueprint, abort, request

from ..db import get_db
from ..web.responses import page_or_fragment
from .log import ACTIONS, OUTCOMES
from .search import ActivityQuery, BadActivityQuery, search

bp = Blueprint("activity", __name__)


@bp.get("/activity")
def index():
    """Who did what and how it ended, newest first; 400 when a filter is invalid."""
    try:
        query = ActivityQuery.from_args(request.args)
    except BadActivityQuery as error:
        abort(400, description=str(error))
    return page_or_fragment("activity/activity.html", "activity/_activity.html",
                            log=search(get_db(), query), actions=ACTIONS, outcomes=OUTCOMES)
