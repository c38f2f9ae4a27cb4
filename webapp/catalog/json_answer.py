"""An action's answer to a script of the JSON API (api/acting.py): the same action code as the
pages' buttons, answered in JSON instead of a row."""

from flask import abort, g, jsonify
from werkzeug.wrappers import Response

from ..live.described import model_json
from ..live.views import ModelRow
from ..pieces.model import Model


def api_answer(
    model: Model | None, row: ModelRow | None, error: str | None, status: int
) -> Response:
    """What an action did, for a script: 202 with the model (as the live state now shows it)
    and the log entry; a refusal (409) or failure as a problem document."""
    if error:
        abort(status if status >= 400 else 502, description=error)
    shown = row.model if row is not None and row.model is not None else model
    if shown is None:
        abort(502, description="Pieces OS did not describe the model.")
    answer = jsonify(model=model_json(shown, row), entry=g.get("activity_entry"))
    answer.status_code = 202
    return answer
