"""The API's actions: download, cancel, load, unload and delete the files of a model on a host.

They run the very code the pages' buttons run (catalog/actions.py, cleanup.py): the same checks,
the same activity log entry, the same live updates on every open page. Only the answer differs:
202 with the model and the entry's id, or a problem document (403 for a role that may not act,
or an operator limited to other hosts; 404 for an unknown host or model, 409 when the model's
state forbids the action, 502 when Pieces OS fails). A script's request is the confirmation
the pages ask for before taking over somebody else's download or loaded model, or deleting
files.
"""

from flask import Blueprint, abort, g
from werkzeug.wrappers import Response

from ..accounts.users import forbidden_message
from ..activity import log as activity_log
from ..catalog.actions import ACTIONS, carry_out
from ..catalog.cleanup import delete_files_of
from ..fleet import host_named

bp = Blueprint("acting", __name__)


@bp.post(
    "/hosts/<host>/models/<model_id:model_id>"
    '/<any(download, cancel, load, unload, "delete-files"):action_name>'
)
def act(host: str, model_id: str, action_name: str) -> Response:
    g.live_host = host_named(host)  # (the buttons' code acts on the request's host)
    if not g.user.can("act", host):
        abort(403, description=forbidden_message(g.user, "act", host))
    if action_name == "delete-files":
        return delete_files_of(model_id)
    with activity_log.attempt(action_name, model_id, host=host) as attempt:
        return carry_out(ACTIONS[action_name], model_id, attempt)
