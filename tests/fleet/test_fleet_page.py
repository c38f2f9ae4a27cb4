"""The fleet page (``/fleet``): a column per host, a row per model of any host, each cell as that
host's live state has it; searched and filtered like the list, without JavaScript too, and
rendered from the hosts' snapshots without asking Pieces OS."""

import re

import pytest

from tests.support.models import HTMX, sent_upstream
from tests.support.panel_fixtures import FLEET
from webapp.fleet.matrix import cell_id
from webapp.simulator.catalogue import model_id

LOADED = model_id("Llama-3 8B Instruct")  # loaded in the simulator at start (5.8 GB of RAM)
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")
ONLY_ON_GPU = {"id": "only-on-gpu", "name": "Only On The GPU Box", "cloud": False}


def cell(html: str, host: str, model: str) -> str:
    """The text of a model's cell in a host's column."""
    found = re.search(rf'<td id="{re.escape(cell_id(host, model))}"[^>]*>(.*?)</td>', html, re.S)
    assert found, f"no cell of {model} on {host}"
    return text_of(found[1])


def head(html: str, host: str) -> str:
    found = re.search(rf'<th id="fleet-head-{host}"[^>]*>(.*?)</th>', html, re.S)
    assert found, f"no column of {host}"
    return text_of(found[1])


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" (", "(").replace("(", " (")


def listed(panel) -> None:
    """Every host has listed its models, as a page watching it would have made it."""
    for host in panel.extensions["fleet"].hosts.values():
        host.refresh_now()


@pytest.fixture
def fleet_client(fleet_panel):
    listed(fleet_panel)
    return fleet_panel.test_client(user="operator")


def test_a_column_per_host_and_a_row_per_model_any_host_lists(fleet_panel, second_simulator):
    second_simulator.control("POST", "models", ONLY_ON_GPU).raise_for_status()
    listed(fleet_panel)
    page = fleet_panel.test_client(user="viewer").get("/fleet").text
    assert head(page, FLEET[0]).startswith(f"{FLEET[0]} Pieces OS 12.3.11 reachable")
    assert "of 16.00 GB RAM left" in head(page, FLEET[0])
    assert (
        head(page, FLEET[1]) == f"{FLEET[1]} Pieces OS 12.4.0 reachable 2.20 GB of 8.00 GB RAM left"
    )
    assert f'<a class="fleet-host" href="/hosts/{FLEET[1]}/"' in page
    assert '<a class="fleet-host" href="/"' in page
    assert cell(page, FLEET[0], "only-on-gpu") == f"— not on {FLEET[0]}"
    assert cell(page, FLEET[1], "only-on-gpu") == "not downloaded"
    assert f'href="/hosts/{FLEET[1]}/models/only-on-gpu"' in page
    assert cell(page, FLEET[0], LOADED) == cell(page, FLEET[1], LOADED) == "loaded"
    assert f'href="/models/{LOADED}"' in page  # the first host's pages keep their URLs
    assert "Only On The GPU Box" in page and "HUGGING FACE" not in head(page, FLEET[0])


def test_a_model_matches_a_state_when_any_host_has_it_in_that_state(fleet_client):
    answer = fleet_client.post(f"/models/{DOWNLOADED}/load", headers=HTMX)
    assert answer.status_code == 200
    loaded = fleet_client.get("/fleet?state=loaded&q=phi-3-mini-4k").text
    assert cell(loaded, FLEET[0], DOWNLOADED) == "loaded"
    assert cell(loaded, FLEET[1], DOWNLOADED) == "downloaded"
    assert "Showing 1 of" in loaded
    # With htmx (the search as people type), the matrix alone.
    matrix = fleet_client.get("/fleet?state=loaded&q=phi-3-mini-4k", headers=HTMX).text
    assert matrix.lstrip().startswith('<section id="fleet-matrix"') and "<h1>" not in matrix
    assert "No model matches." in fleet_client.get("/fleet?q=nothing-is-called-this").text


@pytest.mark.parametrize(
    ("query", "said"),
    [("state=sleeping", "state must be one of"), ("q=" + "x" * 201, "longer than 200")],
)
def test_a_filter_the_page_cannot_honour_is_refused_saying_why(fleet_client, query, said):
    answer = fleet_client.get(f"/fleet?{query}")
    assert answer.status_code == 400 and said in answer.text


def test_each_column_opens_its_hosts_live_socket_from_where_its_state_was(fleet_panel):
    listed(fleet_panel)
    hosts = fleet_panel.extensions["fleet"].hosts
    page = fleet_panel.test_client().get("/fleet?q=llama").text
    for name, prefix in ((FLEET[0], ""), (FLEET[1], f"/hosts/{FLEET[1]}")):
        mark = re.escape(hosts[name].run)
        socket = rf'hx-ws:connect="{prefix}/live\?page=%2Ffleet%3Fq%3Dllama&amp;since={mark}-\d+"'
        assert re.search(socket, page), name
    # No socket of the page's own besides (the header's #live only shows theirs).
    assert page.count("hx-ws:connect=") == 2


def test_a_host_that_does_not_answer_shows_its_column_as_last_known(fleet_client, second_simulator):
    second_simulator.stop_answering()
    listed(fleet_client.application)
    page = fleet_client.get("/fleet").text
    assert "not reachable: last known, as of" in head(page, FLEET[1])
    assert "reachable" in head(page, FLEET[0]) and "last known" not in head(page, FLEET[0])
    assert cell(page, FLEET[1], LOADED) == "loaded (last known)"
    assert cell(page, FLEET[0], LOADED) == "loaded"
    # Nothing can be done on it meanwhile.
    offered = re.findall(rf'value="{FLEET[1]}"( disabled)?>', page)
    assert offered and all(offered)


def test_the_page_asks_pieces_os_nothing_while_its_hosts_lists_are_fresh(
    panel_factory, simulator, second_simulator
):
    panel = panel_factory(
        PIECES_OS_HOSTS=((FLEET[0], simulator.url), (FLEET[1], second_simulator.url)),
        LIVE_REFRESH_SECONDS=60,
    )
    client, hosts = panel.test_client(), panel.extensions["fleet"].hosts.values()
    first = client.get("/fleet").text
    # Nobody had looked at the hosts since the panel started: the page asked their loops for
    # their lists (and a page without JavaScript reloads itself meanwhile).
    assert "No host has listed its models yet." in first and "not heard from yet" in first
    assert '<meta http-equiv="refresh"' in first
    simulator.wait_until(
        lambda: all(host.snapshot.listed_at for host in hosts), what="the hosts to list"
    )
    simulator.wait_until(
        lambda: not any(host.loop.ask(lambda h=host: h.watch.refreshing) for host in hosts),
        what="the lists to be taken in",
    )
    asked = sent_upstream(simulator), sent_upstream(second_simulator)
    for _ in range(3):
        page = client.get("/fleet").text
        assert cell(page, FLEET[1], LOADED) == "loaded"
    assert (sent_upstream(simulator), sent_upstream(second_simulator)) == asked
    assert '<meta http-equiv="refresh"' not in page  # nothing runs: nothing to follow


def test_whoever_may_act_gets_bulk_forms_a_viewer_none(fleet_panel):
    listed(fleet_panel)
    viewed = fleet_panel.test_client(user="viewer").get("/fleet").text
    acted = fleet_panel.test_client(user="operator").get("/fleet").text
    assert 'action="/fleet/bulk"' not in viewed and "On several hosts" not in viewed
    assert 'action="/fleet/bulk"' in acted
    assert '<a href="/fleet" aria-current="page">Fleet</a>' in viewed


def test_without_hosts_configured_the_fleet_is_the_one_local_host(client):
    listed(client.application)
    page = client.get("/fleet").text
    assert head(page, "local").startswith("local Pieces OS 12.3.11 reachable")
    assert cell(page, "local", LOADED) == "loaded"


def test_the_matrix_fetched_again_brings_the_headers_standing_too(fleet_panel):
    """A host renamed: the fleet page fetches its matrix again (with new sockets, which send
    only what changed after it), and its header's standing with it."""
    client = fleet_panel.test_client(user="operator")
    page = client.get("/fleet").text
    assert page.count('id="standing"') == 1
    fetched = client.get("/fleet", headers=HTMX).text
    assert '<span id="standing" class="muted" hx-swap-oob="true">(operator)</span>' in fetched
