"""The model pages: the list at ``/`` and one model's details at ``/models/<id>``."""
from flask import Blueprint, abort, current_app, render_template, request

from .activity import recent_for_model
from .listing import BadListQuery, ListQuery, providers, summarize
from .live import current_hub
from .rendering import page_or_fragment
from .upstream import ModelGone, UpstreamError, current_client

bp = Blueprint("pages", __name__)


def list_query() -> ListQuery:
    """The list's search, filters and order from the query string; 400 when one is invalid."""
    try:
        return ListQuery.from_args(request.args)
    except BadListQuery as error:
        abort(400, description=str(error))


@bp.get("/")
def index():
    """Every model, searched, filtered and sorted as the query string says."""
    query = list_query()
    try:
        models, error = current_hub().fetch_models(), None
    except UpstreamError as failure:
        models, error = [], failure
    return page_or_fragment(
        "index.html", "_list.html",
        query=query, models=query.apply(models), total=len(models), error=error,
        summary=summarize(models), providers=providers(models),
    )


@bp.get("/models/<path:model_id>")
def detail(model_id: str):
    """Every field of one model, with its action buttons."""
    back = list_query()
    try:
        model, error = current_client().get_model(model_id), None
    except ModelGone as gone:
        return render_template("gone.html", model_id=model_id, back=back, error=gone), 404
    except UpstreamError as failure:
        model, error = None, failure
    return page_or_fragment("detail.html", "_card.html", model=model, model_id=model_id,
                            back=back, error=error, history=recent_for_model(model_id))


@bp.get("/healthz")
def healthz():
    """Machine-readable health: the panel is up; is Pieces OS reachable, and which version."""
    try:
        version, error = current_client().version(), None
    except UpstreamError as failure:
        version, error = None, str(failure)
    return {
        "panel": "ok",
        "pieces_os": {
            "reachable": error is None,
            "version": version,
            "error": error,
            "simulated": current_app.config["PIECES_OS_SIMULATED"],
        },
    }
