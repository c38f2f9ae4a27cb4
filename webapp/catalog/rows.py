"""What the model rows of a page cost to render, kept small: the values every row of one request
shares are worked out once per request, and the cells that show a model alone once per
``Model`` object (the client keeps the objects of an unchanged list between requests)."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from flask import Flask, g
from markupsafe import Markup

from ..accounts.gate import can
from ..pieces.model import Model
from ..security.csrf import csrf_token
from ..web.navigation import next_url
from ..web.query import with_query
from .links import ModelRoute, list_link_query


@dataclass(frozen=True)
class RowValues:
    can_act: bool  # the user may act on models: their rows carry action forms
    csrf_token: str  # for those forms, without JavaScript
    next_url: str  # where those forms come back to
    list_query: str  # the list's search and filters, kept by the links to a model's page
    detail_route: ModelRoute  # a model's page

    def acts_on(self, model: Model) -> bool:
        """Does the model's row or card offer this user any action?"""
        return self.can_act and model.actionable

    def detail_url(self, model_id: str) -> str:
        """The link to a model's page, keeping the list's search and filters."""
        return with_query(self.detail_route.url(model_id), self.list_query)


def row_values() -> RowValues:
    """The values of the request being rendered (for templates)."""
    if "row_values" not in g:
        g.row_values = RowValues(
            can("act"), csrf_token(), next_url(), list_link_query(), ModelRoute.of("catalog.detail")
        )
    return g.row_values


class ModelParts(NamedTuple):
    """The parts of a model's row that depend on the ``Model`` alone."""

    cells: Markup  # from its provider to its context size
    badges: Markup
    idle_progress: Markup  # its progress box while no download runs or has ended


class KeptModelParts:
    """A model's ``ModelParts``, rendered once per ``Model`` object and kept while the list
    names that object. Callable (for templates); thread-safe, as a dict's single reads and
    writes are."""

    #: More models than any Pieces OS lists: past it the kept cells are dropped and made again.
    MAX_KEPT = 10_000

    def __init__(self, app: Flask):
        self._app = app
        self._kept: dict[str, tuple[Model, ModelParts]] = {}

    def __call__(self, model: Model) -> ModelParts:
        kept = self._kept.get(model.id)
        if kept is not None and kept[0] is model:  # the very object: the same values
            return kept[1]
        if len(self._kept) >= self.MAX_KEPT:
            self._kept.clear()
        macros = self._macros
        parts = ModelParts(
            macros.cells(model),
            macros.badges(model),
            macros.progress_box(model.id, None, False, None, False),
        )
        self._kept[model.id] = (model, parts)
        return parts

    @cached_property
    def _macros(self) -> Any:  # a jinja2 TemplateModule, whose macros are set at run time
        return self._app.jinja_env.get_template("catalog/_model_parts.html").module
