"""The pages against Pieces OS as it really behaves (as its official SDKs and support threads
describe it): a restart on another port, odd models and ids, slow loads, versions outside the
supported range, and a local runtime (Ollama) that is missing. The simulator reproduces each."""

import re
import threading

import pytest
import requests

from tests.support.models import HTMX, act, model_in_state, rows
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
CLOUD = model_id("GPT-4o Chat Model")


def outcomes(html: str) -> list[str]:
    return re.findall(r'class="badge outcome-([a-z-]+)"', html)


class TestPiecesOsMoves:
    def test_the_panel_follows_pieces_os_to_its_new_port_and_says_so(
        self, simulator_factory, panel_factory, tmp_path
    ):
        port_file = tmp_path / ".port.txt"
        simulator = simulator_factory(port_file=port_file)
        client = panel_factory(PIECES_OS_URL=None, PIECES_OS_PORT_FILE=str(port_file)).test_client()
        old_url = simulator.url
        assert f"at <code>{old_url}</code>" in client.get("/").text

        simulator.restart_on_another_port()
        page = " ".join(client.get("/").text.split())
        assert len(rows(page)) > 60 and "not reachable" not in page
        assert f"now <code>{simulator.url}</code> (it was <code>{old_url}</code>)" in page
        assert f"at <code>{simulator.url}</code>" in page  # the footer
        log = client.get("/activity?action=pieces-os-moved").text
        assert f"Pieces OS moved from {old_url} to {simulator.url}." in log

    def test_a_named_pieces_os_is_never_looked_for_elsewhere(
        self, simulator_factory, panel_factory, tmp_path
    ):
        port_file = tmp_path / ".port.txt"
        simulator = simulator_factory(port_file=port_file)
        client = panel_factory(
            PIECES_OS_URL=simulator.url, PIECES_OS_PORT_FILE=str(port_file)
        ).test_client()
        old_url = simulator.url
        simulator.restart_on_another_port()
        page = client.get("/").text
        assert f"Pieces OS is not reachable at <code>{old_url}</code>" in page
        assert "restarted at a new address" not in page


class TestOddModels:
    ODD = {
        "id": "team/llama 3?",
        "name": "Team Llama",
        "cloud": False,
        "created": {"value": "2024-07-23T00:00:00.000Z"},
        "version": "1",
    }  # no type, usage
    NAMELESS = {"id": "f00d", "cloud": False}

    def test_a_model_with_an_odd_id_and_no_type_works_like_any_other(self, client, simulator):
        simulator.control("POST", "models", self.ODD).raise_for_status()
        listed = rows(client.get("/").text)
        row = next(body for state, body in listed.values() if "Team Llama" in body)
        link = re.search(r'<a href="(/models/[^"?]+)', row)[1]
        assert "/" not in link.removeprefix("/models/")  # one segment, whatever the id holds
        detail = client.get(link).text
        assert "team/llama 3?" in detail and "UNKNOWN" in detail
        before = simulator.stats()["requests"].get("download", 0)
        response = client.post(f"{link}/download", data={"next": "/"}, headers=HTMX)
        assert response.status_code == 200 and 'data-state="downloading"' in response.text
        assert simulator.stats()["requests"]["download"] == before + 1

    def test_a_model_the_panel_cannot_read_is_shown_as_such_and_the_others_work(
        self, client, simulator
    ):
        simulator.control("POST", "models", self.NAMELESS).raise_for_status()
        listed = rows(client.get("/").text)
        state, body = listed["f00d"]
        assert state == "unreadable" and "it has no name" in body
        assert "action-" not in body and "<a href" not in body
        assert sum(1 for state, _ in listed.values() if state != "unreadable") > 60


class TestSlowLoads:
    def test_a_load_past_its_timeout_is_pending_then_settled(
        self, simulator_factory, panel_factory
    ):
        simulator = simulator_factory(load_seconds=2)
        client = panel_factory(
            PIECES_OS_URL=simulator.url, PIECES_OS_LOAD_TIMEOUT=0.3
        ).test_client()
        model = model_in_state(simulator, "downloaded")
        response = act(client, model.id, "load")
        assert response.status_code == 200
        assert "loading… asked by admin" in response.text and "action-load" not in response.text
        log = client.get("/activity?action=load").text
        assert outcomes(log) == ["pending"] and "did not answer within 0.3 s" in log
        assert "loading… asked by admin" in client.get("/").text  # and for everybody
        simulator.wait_until(
            lambda: outcomes(client.get("/activity?action=load").text) == ["ok"],
            what="the panel to see the model loaded",
            timeout=15,
        )
        assert rows(client.get("/").text)[model.id][0] == "loaded"

    def test_a_load_under_way_is_shown_to_everybody_until_pieces_os_answers(
        self, simulator_factory, panel_factory
    ):
        simulator = simulator_factory(load_seconds=1.5)
        panel = panel_factory(PIECES_OS_URL=simulator.url)
        model = model_in_state(simulator, "downloaded")
        loading = threading.Thread(target=act, args=(panel.test_client(), model.id, "load"))
        loading.start()
        viewer = panel.test_client(user="viewer")
        simulator.wait_until(
            lambda: "loading… asked by admin" in viewer.get("/").text,
            what="the viewer to see the load under way",
        )
        loading.join()
        page = viewer.get("/").text
        assert rows(page)[model.id][0] == "loaded" and "loading…" not in page


class TestVersions:
    @pytest.mark.parametrize("path", ["/", "/activity", "/users"])
    def test_a_version_outside_the_supported_range_is_warned_about_on_every_page(
        self, simulator_factory, panel_factory, path
    ):
        simulator = simulator_factory(version="13.1.0")
        client = panel_factory(PIECES_OS_URL=simulator.url).test_client()
        client.get("/")  # the first look at Pieces OS (or a page's live socket) asks its version
        page = client.get(path).text
        assert "Pieces OS 13.1.0 is outside the versions this panel supports" in page
        assert "Pieces OS 13.1.0 at" in page  # the footer

    def test_a_supported_version_is_named_without_a_warning(self, client, simulator):
        version = requests.get(f"{simulator.url}/.well-known/version", timeout=5).text
        client.get("/")
        page = client.get("/activity").text
        assert f"Pieces OS {version} at <code>{simulator.url}</code>" in page
        assert "outside the versions" not in page

    def test_the_range_is_a_setting(self, simulator_factory, panel_factory):
        simulator = simulator_factory(version="13.1.0")
        page = (
            panel_factory(PIECES_OS_URL=simulator.url, PIECES_OS_BELOW_VERSION="14.0.0")
            .test_client()
            .get("/")
            .text
        )
        assert "outside the versions" not in page


class TestLocalRuntime:
    def test_without_ollama_local_models_say_why_before_and_after_a_try(
        self, simulator_factory, panel_factory
    ):
        simulator = simulator_factory(ollama="missing")
        client = panel_factory(PIECES_OS_URL=simulator.url).test_client()
        page = client.get("/").text
        assert "Ollama, which runs local models, is not installed in Pieces OS." in page
        listed = rows(page)
        assert "runtime-note" in listed[LOCAL][1] and "runtime-note" not in listed[CLOUD][1]
        response = act(client, LOCAL, "download")
        assert "Pieces OS answered 500" in response.text
        assert "Ollama, which runs local models, is not installed" in response.text
        assert "Ollama" in client.get("/activity?action=download").text

    def test_an_install_in_progress_is_shown_and_its_end_clears_the_notice(self, simulator, client):
        simulator.control("POST", "ollama", {"state": "installing", "percentage": 40})
        assert (
            "Pieces OS is installing Ollama, which runs local models (40 %)."
            in client.get("/").text
        )
        simulator.control("POST", "ollama", {"state": "installed"})
        page = client.get("/").text
        assert "installing Ollama" not in page and "runtime-note" not in page
        assert "local runtime (Ollama 0.5.7): ready" in page

    def test_an_update_to_make_by_hand_is_said_so_on_local_rows_and_the_card(
        self, simulator_factory, panel_factory
    ):
        simulator = simulator_factory(ollama="update-required")
        simulator.control("POST", "ollama", {"user_managed": True})
        client = panel_factory(PIECES_OS_URL=simulator.url).test_client()
        page = " ".join(client.get("/").text.split())
        by_hand = (
            "Ollama, which runs local models, must be updated to 0.5.7 by hand: Pieces OS "
            "says it is managed by the user, so Pieces OS will not update it."
        )
        assert "needs an update in Pieces OS" not in page
        assert by_hand in rows(page)[LOCAL][1]
        assert "Ollama 0.3.14: update required, by hand" in page
        assert "Update Ollama" not in page  # nothing the panel could do
        response = act(client, LOCAL, "download")
        assert by_hand in " ".join(response.text.split())
