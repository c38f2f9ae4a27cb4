"""The messages of Pieces OS's pushed streams, read as leniently as its models: what cannot be
read is skipped, never an error."""

import json

from .ids import InvalidModelId, check_model_id
from .runtime import LocalRuntime


def changed_models(text: str) -> list[tuple[str, bool]]:
    """A ``StreamedIdentifiers`` message as (model id, deleted) pairs; other kinds of
    identifier (assets, ...) and unusable ids are left out."""
    try:
        payload = json.loads(text)
    except ValueError:
        return []
    items = payload.get("iterable") if isinstance(payload, dict) else None
    changed = []
    for item in items if isinstance(items, list) else []:
        model = item.get("model") if isinstance(item, dict) else None
        model_id = model.get("id") if isinstance(model, dict) else None
        try:
            changed.append((check_model_id(model_id), item.get("deleted") is True))
        except InvalidModelId:
            continue
    return changed


def runtime_status(text: str) -> LocalRuntime | None:
    """An ``OllamaStatus`` message; None when it is not JSON at all."""
    try:
        return LocalRuntime.from_raw(json.loads(text))
    except ValueError:
        return None
