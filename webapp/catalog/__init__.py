"""The models as people see and change them: the list and each model's page (``views``), the
action buttons (``actions``: browser -> view -> ``pieces.client`` -> Pieces OS -> the updated row),
the edit form of custom models (``editing``, ``form``), what is loaded and by whom (``loaded``),
and the local runtime managed by admins (``runtime``)."""

from flask import Flask

from ..pieces.listing import SORT_LABELS, STATES
from ..pieces.model import CAPABILITY_NAMES
from . import actions, cleanup, custom, editing, runtime, views
from .links import ModelIdConverter, check_model_id_in_url, model_url
from .loaded import loaded_models
from .rows import KeptModelParts, row_values


def init_app(app: Flask) -> None:
    app.url_map.converters["model_id"] = ModelIdConverter
    app.url_value_preprocessor(check_model_id_in_url)
    app.jinja_env.globals.update(
        model_url=model_url,
        row_values=row_values,
        model_parts=KeptModelParts(app),
        action_labels=actions.ACTION_LABELS,
        states=STATES,
        sorts=SORT_LABELS,
        capability_names=CAPABILITY_NAMES,
        loaded_models=loaded_models,
        runtime_labels=runtime.LABELS,
    )
    for module in (views, actions, cleanup, custom, editing, runtime):
        app.register_blueprint(module.bp)
