"""The fleet page's matrix: a row per model that any host lists (by id), a column per host, and
in each cell that host's model as its live snapshot has it. Pure functions over snapshots: the
page asks Pieces OS nothing."""

from collections.abc import Sequence
from dataclasses import dataclass

from ..live.views import LiveSnapshot, ModelRow
from ..pieces.ids import to_segment
from ..pieces.listing import ListQuery
from ..pieces.model import Model


@dataclass(frozen=True)
class Column:
    """A host's column: its name and its live state, taken once for the page."""

    name: str
    live: LiveSnapshot

    @property
    def heard_from(self) -> bool:
        """Has the host answered a list yet (or failed to)? Not before anybody looked at it
        since the panel started."""
        return self.live.listed_at is not None or self.live.error is not None


@dataclass(frozen=True)
class FleetRow:
    """One model across the fleet: as the first host that lists it describes it (its name,
    provider and size), and a cell per column (None: that host does not list it)."""

    model: Model
    cells: tuple[ModelRow | None, ...]

    @property
    def models(self) -> list[Model]:
        """The model as each host that lists it has it."""
        return [cell.model for cell in self.cells if cell is not None and cell.model is not None]


def fleet_rows(columns: Sequence[Column]) -> list[FleetRow]:
    """Every model of every host, once, in the order the hosts list them."""
    listed = [{model.id: model for model in column.live.models} for column in columns]
    first: dict[str, Model] = {}
    for models in listed:
        for model_id, model in models.items():
            first.setdefault(model_id, model)
    return [
        FleetRow(
            model,
            tuple(
                column.live.row(models[model_id]) if model_id in models else None
                for column, models in zip(columns, listed, strict=True)
            ),
        )
        for model_id, model in first.items()
    ]


def matching(rows: Sequence[FleetRow], query: ListQuery) -> list[FleetRow]:
    """The rows the list's search and filters match on any host (a model is "downloading" if
    a host downloads it), in the list's order."""
    chosen = {row.model.id: row for row in rows if any(map(query.matches, row.models))}
    return [chosen[model.id] for model in query.ordered([row.model for row in chosen.values()])]


def cell_id(host: str, model_id: str) -> str:
    """The element id of a model's cell in a host's column (a host name holds no "_", so no
    two cells share one)."""
    return f"cell-{host}_{to_segment(model_id)}"


def row_changed_id(model_id: str) -> str:
    """The element id, in a model's row head, that a host's socket replaces when what the model
    allows on that host changed (the row head then fetches itself again)."""
    return f"fleet-row-changed-{to_segment(model_id)}"


def cell_state(row: ModelRow) -> str:
    """What a cell says of its host's model: its state, with the percentage of a download the
    host follows, or a load Pieces OS has not answered yet."""
    assert row.model is not None, "a cell of a model its host lists"
    if row.progress is not None:
        return f"downloading {row.progress.percentage:.0f} %"
    if row.pending_load is not None and not row.model.loaded:
        return "loading…"
    return row.model.state
