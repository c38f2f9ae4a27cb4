"""Each host of the fleet has its pages under /hosts/<name>/, acting on its own Pieces OS; the
first host's pages keep the URLs they always had; every action is logged with its host."""

import pytest

from tests.support.models import HTMX, model_in_state, rows, upstream_model
from tests.support.panel_fixtures import FLEET
from webapp.db import connect


def test_without_hosts_configured_the_one_host_is_local_under_both_urls(client, simulator):
    listed = client.get("/")
    hosted = client.get("/hosts/local/")
    assert listed.status_code == hosted.status_code == 200
    assert rows(listed.text).keys() == rows(hosted.text).keys() != set()
    # The first host's links keep the URLs without the prefix, whichever way the page came.
    assert 'href="/models/' in hosted.text and 'href="/hosts/local/models/' not in hosted.text


@pytest.mark.parametrize("path", ["/hosts/nobody/", "/hosts/nobody/models/x", "/hosts/NoBody/"])
def test_a_host_the_panel_does_not_know_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_each_host_page_lists_its_own_pieces_os_and_links_to_itself(
    fleet_panel, simulator, second_simulator
):
    client = fleet_panel.test_client()
    only_here = {"id": "only-here", "name": "Only On The Build Box", "cloud": False}
    simulator.control("POST", "models", only_here).raise_for_status()
    first, second = client.get("/"), client.get(f"/hosts/{FLEET[1]}/")
    assert second.status_code == 200
    assert "Only On The Build Box" in first.text and "Only On The Build Box" not in second.text
    model_id = next(iter(rows(second.text)))
    assert f"/hosts/{FLEET[1]}/models/" in second.text
    assert f"/hosts/{FLEET[1]}/" not in first.text
    assert client.get(f"/hosts/{FLEET[1]}/models/{model_id}").status_code == 200
    # The first host is also under its name.
    assert client.get(f"/hosts/{FLEET[0]}/").status_code == 200


def test_an_action_on_a_host_reaches_its_pieces_os_only_and_is_logged_with_it(
    fleet_panel, simulator, second_simulator
):
    client = fleet_panel.test_client(user="operator")
    model = model_in_state(second_simulator, "not downloaded")
    answer = client.post(f"/hosts/{FLEET[1]}/models/{model.id}/download", headers=HTMX)
    assert answer.status_code == 200
    assert upstream_model(second_simulator, model.id).state != "not downloaded"
    assert upstream_model(simulator, model.id).state == "not downloaded"
    loaded = model_in_state(simulator, "downloaded")
    assert client.post(f"/models/{loaded.id}/load", headers=HTMX).status_code == 200
    with connect(fleet_panel.config["DATABASE"]) as db:
        logged = db.execute(
            "SELECT action, host FROM activity WHERE action IN ('download', 'load') ORDER BY id"
        ).fetchall()
    assert [tuple(row) for row in logged] == [("download", FLEET[1]), ("load", FLEET[0])]


def test_a_page_of_a_host_opens_its_live_socket_on_that_host(fleet_panel):
    page = fleet_panel.test_client().get(f"/hosts/{FLEET[1]}/").text
    assert f'hx-ws:connect="/hosts/{FLEET[1]}/live?' in page


def test_the_api_lists_every_host_as_it_answers_now(fleet_panel, second_simulator):
    second_simulator.stop_answering()
    hosts = fleet_panel.test_client().get("/api/v1/hosts").json["hosts"]
    assert [(host["name"], host["reachable"]) for host in hosts] == [
        (FLEET[0], True),
        (FLEET[1], False),
    ]
    second_simulator.answer_again()
    hosts = fleet_panel.test_client().get("/api/v1/hosts").json["hosts"]
    assert [host["version"] for host in hosts] == ["12.3.11", "12.4.0"]


def test_with_several_hosts_each_page_names_its_host(fleet_panel, simulator):
    client = fleet_panel.test_client()
    second = client.get(f"/hosts/{FLEET[1]}/").text
    heading = '<h1>Models on <span class="page-host">{}</span></h1>'
    assert heading.format(FLEET[1]) in second and f"<title>{FLEET[1]} · Models" in second
    model_id = next(iter(rows(second)))
    detail = client.get(f"/hosts/{FLEET[1]}/models/{model_id}").text
    assert f'← All models on <span class="page-host">{FLEET[1]}</span>' in detail
    assert heading.format(FLEET[0]) in client.get("/").text


def test_with_one_host_the_pages_name_none(client):
    assert "<h1>Models</h1>" in client.get("/").text


def test_a_notices_retry_answers_naming_its_host(fleet_panel, second_simulator):
    client = fleet_panel.test_client(user="operator")
    retry = {"view": "notice", "retry": "yes", "next": "/"}
    url = f"/hosts/{FLEET[1]}/models/{{}}/download"
    model = model_in_state(second_simulator, "not downloaded")
    started = client.post(url.format(model.id), data=retry, headers=HTMX).text
    assert f"<p>{FLEET[1]}: Downloading {model.name} again" in started
    had = model_in_state(second_simulator, "downloaded")
    refused = client.post(url.format(had.id), data=retry, headers=HTMX).text
    assert f"<p>{FLEET[1]}: Cannot download {had.name}" in refused
