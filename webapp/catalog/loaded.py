"""What is loaded, by whom: the models in memory now, with the memory each holds, who loaded
each and when (from the activity log: a model loaded outside the panel, or before its log
began, says so), and which of them to unload when they take more than the machine's RAM."""

from dataclasses import dataclass
from datetime import datetime

from ..activity.log import last_load
from ..live.views import LiveSnapshot
from ..pieces.device import unload_to_fit
from ..pieces.model import Model


@dataclass(frozen=True)
class LoadedModel:
    model: Model
    loaded_by: str | None  # None: not through the panel, as far as its log says
    loaded_at: datetime | None  # when it was asked for
    unload_to_fit: bool  # unloading it (with the others so marked) makes the rest fit


def loaded_models(live: LiveSnapshot) -> list[LoadedModel]:
    """The loaded models, the largest first (for templates: needs an app context)."""
    models = list(live.models)
    to_unload = {model.id for model in unload_to_fit(live.memory, models)}
    loaded = sorted(
        (model for model in models if model.loaded),
        key=lambda model: (-(model.ram_bytes or 0), model.name.casefold()),
    )
    found = []
    for model in loaded:
        entry = last_load(model.id)
        found.append(
            LoadedModel(
                model,
                entry.user if entry else None,
                entry.at if entry else None,
                model.id in to_unload,
            )
        )
    return found
