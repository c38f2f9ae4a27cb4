"""The activity log of a fleet: a Host column, a host filter, the host in the CSV, and the
outcomes of actions counted by host in /metrics."""

import csv
import io
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.models import HTMX, model_in_state
from tests.support.panel_fixtures import FLEET
from webapp.activity.log import record
from webapp.db import connect
from webapp.fleet.stored import remove_host

BUILD_BOX, GPU_1 = FLEET


@pytest.fixture
def logged(fleet_panel, simulator, second_simulator):
    """A load on each host, and a login (of no host)."""
    client = fleet_panel.test_client(user="operator")
    for prefix, upstream in (("", simulator), (f"/hosts/{GPU_1}", second_simulator)):
        model = model_in_state(upstream, "not downloaded")
        assert client.post(f"{prefix}/models/{model.id}/download", headers=HTMX).status_code == 200
    with connect(fleet_panel.config["DATABASE"]) as db:
        record(db, user="operator", action="login", outcome="ok")
    return fleet_panel


def shown(html: str) -> list[tuple[str, str]]:
    """(action, host) of each entry the page shows."""
    return re.findall(
        r'<td data-label="Action">([^<]+)</td>\s*<td data-label="Host">([^<]+)</td>', html
    )


def test_each_entry_shows_its_host_and_the_host_filter_keeps_one(logged):
    viewer = logged.test_client(user="viewer")
    page = viewer.get("/activity?logins=shown").text
    assert shown(page)[:3] == [("login", "—"), ("download", GPU_1), ("download", BUILD_BOX)]
    choices = re.search(r'<select name="host">(.*?)</select>', page, re.S)[1]
    assert re.findall(r'<option value="([^"]*)"', choices) == ["", BUILD_BOX, GPU_1]
    assert shown(viewer.get(f"/activity?host={GPU_1}").text) == [("download", GPU_1)]
    # Each model links to its page on the entry's host.
    assert f'href="/hosts/{GPU_1}/models/' in page and 'href="/models/' in page


@pytest.mark.parametrize(
    "host, message",
    [
        ("Build_Box", "host must be a host name"),
        (
            "gpu-2",
            f"There is no host named gpu-2 in the fleet or the log; the hosts are: {FLEET[0]}",
        ),
    ],
)
def test_a_host_neither_in_the_fleet_nor_the_log_is_400(logged, host, message):
    answer = logged.test_client(user="viewer").get(f"/activity?host={host}")
    assert answer.status_code == 400 and message in answer.text


def test_a_removed_hosts_entries_can_still_be_found(logged):
    with connect(logged.config["DATABASE"]) as db:
        remove_host(db, GPU_1, actor="admin")
    logged.extensions["fleet"].remove(GPU_1, by="admin")
    page = logged.test_client(user="viewer").get(f"/activity?host={GPU_1}").text
    assert shown(page) == [("remove-host", GPU_1), ("download", GPU_1)]
    assert f'<option value="{GPU_1}" selected>' in page  # still chosen in the filter
    assert f'href="/hosts/{GPU_1}/' not in page  # no link to pages that are gone
    unfiltered = logged.test_client(user="viewer").get("/activity").text
    assert f'<option value="{GPU_1}">' in unfiltered  # offered, though no longer in the fleet


def test_the_csv_names_each_entrys_host_last(logged):
    answer = logged.test_client(user="viewer").get("/activity/export.csv?logins=shown")
    table = list(csv.reader(io.StringIO(answer.text)))
    assert table[0][-2:] == ["via", "host"]
    assert [(row[4], row[-1]) for row in table[1:4]] == [
        ("login", ""),
        ("download", GPU_1),
        ("download", BUILD_BOX),
    ]


def test_metrics_count_the_outcomes_of_actions_by_host(logged):
    text = logged.test_client(user=None).get("/metrics").text
    counted = {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "panel_actions_total"
    }
    assert counted == {
        (("action", "download"), ("host", host), ("outcome", "pending")): 1 for host in FLEET
    }
