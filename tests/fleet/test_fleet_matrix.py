"""The fleet page's matrix and its bulk forms, as pure functions over hosts' live snapshots: a
row per model of any host, a cell per host, the list's search and filters across the hosts,
and what a form may ask."""

from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import MultiDict

from webapp.fleet.bulk import BadBulkRequest, choices, read_request
from webapp.fleet.matrix import Column, cell_id, cell_state, fleet_rows, matching
from webapp.live.progress import DownloadProgress
from webapp.live.state import HostState, PendingLoad
from webapp.live.views import snapshot_of
from webapp.pieces.client import Unreachable
from webapp.pieces.listing import ListQuery
from webapp.pieces.model import Model

LISTED = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def model(model_id: str, name: str | None = None, **fields) -> Model:
    return Model.from_raw(
        {"id": model_id, "name": name or model_id.title(), "cloud": False, **fields}
    )


def column(name: str, *models: Model, **state) -> Column:
    host = HostState(
        f"http://{name}.lan:39300",
        ("12.0.0", "13.0.0"),
        models={each.id: each for each in models},
        listed_at=LISTED,
        **state,
    )
    return Column(name, snapshot_of(host, "0123abcd", 1))


def test_a_row_per_model_of_any_host_with_a_cell_per_host():
    shared = model("shared", downloaded=True)
    columns = [
        column("build-box", shared, model("only-here")),
        column("gpu-1", model("only-there"), model("shared", "Shared (its own name)")),
    ]
    rows = {row.model.id: row for row in fleet_rows(columns)}
    assert list(rows) == ["shared", "only-here", "only-there"]
    assert rows["shared"].model.name == "Shared"  # as the first host that lists it says
    assert [cell.model.name for cell in rows["shared"].cells] == ["Shared", "Shared (its own name)"]
    assert rows["only-here"].cells[1] is None and rows["only-there"].cells[0] is None


def test_a_model_matches_a_state_when_any_host_has_it_so():
    columns = [
        column("build-box", model("llama", downloaded=True), model("phi")),
        column("gpu-1", model("llama", downloaded=True, loaded=True), model("phi")),
    ]
    rows = fleet_rows(columns)
    loaded = matching(rows, ListQuery(state="loaded"))
    assert [row.model.id for row in loaded] == ["llama"]
    assert [row.model.id for row in matching(rows, ListQuery(state="not downloaded"))] == ["phi"]
    assert [row.model.id for row in matching(rows, ListQuery(q="PHI"))] == ["phi"]


def test_the_rows_come_in_the_lists_order():
    smaller, larger = {"bytes": {"value": 2}}, {"bytes": {"value": 9}}
    columns = [column("build-box", model("b", "Beta", **smaller), model("a", "Alpha", **larger))]
    rows = fleet_rows(columns)
    assert [row.model.name for row in matching(rows, ListQuery())] == ["Alpha", "Beta"]
    assert [row.model.name for row in matching(rows, ListQuery(sort="size"))] == ["Beta", "Alpha"]


def test_a_cell_says_the_state_a_downloads_percentage_or_a_load_not_yet_answered():
    downloading = model("d", downloading=True)
    loading = model("l", downloaded=True)
    live = column(
        "build-box",
        downloading,
        loading,
        model("x", downloaded=True, loaded=True),
        downloads={"d": DownloadProgress("d", percentage=41.6)},
        loads={"l": PendingLoad("l", "olga", 0.0)},
    ).live
    assert cell_state(live.row(downloading)) == "downloading 42 %"
    assert cell_state(live.row(loading)) == "loading…"
    assert cell_state(live.row(live.model("x"))) == "loaded"


def test_no_two_cells_share_an_id():
    assert cell_id("gpu", "1-a") != cell_id("gpu-1", "a")
    assert "/" not in cell_id("gpu-1", "org/model")  # one path segment, as in the panel's URLs


def test_a_bulk_action_is_offered_where_it_applies_and_the_person_may_act():
    columns = [
        column("build-box", model("m")),
        column("gpu-1", model("m", downloaded=True)),
        column("laptop", model("m"), error=Unreachable("http://laptop.lan:39300")),
        column("cloud-box"),
    ]
    (row,) = fleet_rows(columns)
    every = [each.name for each in columns]
    offered = {choice.action.name: choice.hosts for choice in choices(row, columns, every)}
    assert offered == {
        "download": (("build-box", True), ("gpu-1", False), ("laptop", False)),
        "load": (("build-box", False), ("gpu-1", True), ("laptop", False)),
        "delete-files": (("build-box", False), ("gpu-1", True), ("laptop", False)),
    }
    only_gpu = choices(row, columns, {"gpu-1"})
    assert [choice.hosts for choice in only_gpu] == [(("gpu-1", True),)] * 2
    assert choices(row, columns, set()) == []


HOSTS = ("build-box", "gpu-1", "laptop")


def test_a_bulk_request_names_the_hosts_once_in_the_fleets_order():
    asked = read_request(
        MultiDict(
            [("model", "m"), ("action", "delete-files")]
            + [("host", name) for name in ("laptop", "build-box", "laptop")]
        ),
        HOSTS,
    )
    assert (asked.model_id, asked.action.name, asked.hosts) == (
        "m",
        "delete-files",
        ("build-box", "laptop"),
    )


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"action": "cancel", "host": "gpu-1"}, "The action must be one of: download, load"),
        ({"action": "load", "host": "gpu-1", "model": ""}, "The model: '' is not a model id"),
        ({"action": "load", "host": "gpu-1", "model": "a\x07b"}, "control characters"),
        ({"action": "load"}, "Tick at least one host."),
        ({"action": "load", "host": "nowhere"}, "There is no host named 'nowhere'."),
    ],
)
def test_a_bulk_request_that_says_no_one_thing_is_refused_saying_why(fields, said):
    with pytest.raises(BadBulkRequest, match=said.replace(".", r"\.")):
        read_request(MultiDict({"model": "m", **fields}), HOSTS)
