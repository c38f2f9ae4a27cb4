"""The model pages: the list at ``/`` and one model's details at ``/models/<id>``."""

from flask import Blueprint, Response, abort, make_response, render_template, request

from ..activity.log import recent_for_model
from ..live import current_client, current_live
from ..pieces.client import ModelGone, UpstreamError
from ..pieces.listing import BadListQuery, ListQuery, providers, summarize
from ..web.responses import page_or_fragment, vary_on_htmx
from .actions import VIEWS, read_model

bp = Blueprint("catalog", __name__)


def list_query() -> ListQuery:
    """The list's search, filters and order from the query string; 400 when one is invalid."""
    try:
        return ListQuery.from_args(request.args)
    except BadListQuery as error:
        abort(400, description=str(error))


@bp.get("/")
def index() -> Response:
    """Every model, searched, filtered and sorted as the query string says."""
    query = list_query()
    host = current_live()
    try:
        models, error, listed_at = host.fetch_models(), None, None
    except UpstreamError as failure:
        # Pieces OS does not answer: the models as it last listed them, saying when.
        live = host.snapshot
        models, error, listed_at = list(live.models), failure, live.listed_at
    return page_or_fragment(
        "catalog/index.html",
        "catalog/_list.html",
        query=query,
        models=query.apply(models),
        total=len(models),
        error=error,
        listed_at=listed_at,
        summary=summarize(models),
        providers=providers(models),
    )


@bp.get("/models/<model_id:model_id>")
def detail(model_id: str) -> Response | tuple[str, int]:
    """Every field of one model, with its action buttons."""
    back = list_query()
    try:
        model, error = current_client().get_model(model_id), None
    except ModelGone as gone:
        return render_template("catalog/gone.html", model_id=model_id, back=back, error=gone), 404
    except UpstreamError as failure:
        model, error = None, failure
    row = current_live().model_heard(model) if model else current_live().row_of(None, model_id)
    return page_or_fragment(
        "catalog/detail.html",
        "catalog/_card.html",
        r=row,
        model=model,
        model_id=model_id,
        back=back,
        error=error,
        history=recent_for_model(model_id, current_live().name),
        history_host=current_live().name,
    )


@bp.get("/models/<model_id:model_id>/view")
def model_view(model_id: str) -> Response:
    """One model's row (``view=row``) or card (``view=card``) as every page shows it now: what
    "Keep it" puts back in place of a confirmation."""
    view = request.args.get("view", "row")
    if view not in VIEWS:
        abort(400, description=f"view must be one of: {', '.join(VIEWS)}")
    host = current_live()
    model = host.snapshot.model(model_id) or read_model(model_id)
    html = render_template(VIEWS[view], r=host.row_of(model, model_id), error=None)
    return vary_on_htmx(make_response(html))
