"""The live state in JSON, as the API answers it and its event stream sends it: a host and a
model (with, while it downloads, how far it got)."""

from typing import TYPE_CHECKING, Any

from ..pieces.model import Model

if TYPE_CHECKING:
    from .host import LiveHost
    from .views import ModelRow


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
