"""How the API writes activity entries as JSON (hosts and models: live/described.py)."""

from typing import TYPE_CHECKING, Any

from ..activity.log import Entry

if TYPE_CHECKING:
    pass


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "host": entry.host,
        "user": entry.user,
        "via": entry.via,
        "action": entry.action,
        "model_id": entry.model_id,
        "model_name": entry.model_name,
        "outcome": entry.outcome,
        "detail": entry.detail,
    }
