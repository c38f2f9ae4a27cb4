"""How the API writes what the panel knows: hosts, models and activity entries as JSON."""

from typing import TYPE_CHECKING, Any

from ..activity.log import Entry
from ..pieces.model import Model

if TYPE_CHECKING:
    from ..live.host import LiveHost
    from ..live.views import ModelRow


def host_json(name: str, host: "LiveHost") -> dict[str, Any]:
    snapshot = host.snapshot
    return {
        "name": name,
        "url": host.client.base_url,
        "reachable": snapshot.error is None,
        "version": snapshot.instance.version,
    }


def model_json(model: Model, row: "ModelRow | None" = None) -> dict[str, Any]:
    """A model as Pieces OS describes it, and while it downloads, how far it got (percent)."""
    progress = row.progress if row is not None else None
    described: dict[str, Any] = {
        "id": model.id,
        "name": model.name,
        "cloud": model.cloud,
        "downloaded": model.downloaded,
        "downloading": model.downloading or progress is not None,
        "loaded": model.loaded,
        "custom": model.custom,
        "provider": model.provider,
        "size_bytes": model.size_bytes,
        "ram_bytes": model.ram_bytes,
    }
    if progress is not None:
        described["progress"] = round(progress.percentage, 1)
        described["bytes_per_second"] = progress.bytes_per_second
    return described


def entry_json(entry: Entry, host: str) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "host": host,
        "user": entry.user,
        "via": entry.via,
        "action": entry.action,
        "model_id": entry.model_id,
        "model_name": entry.model_name,
        "outcome": entry.outcome,
        "detail": entry.detail,
    }
