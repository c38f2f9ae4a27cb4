"""The `/__sim/` test controls: stats, faults, failures, drops, reset and raw data."""

import json

import pytest
import requests
import websocket

from webapp.simulator.catalogue import initial_models, model_id
from webapp.simulator.routes import ROUTE_KEYS

LOCAL = model_id("gemma-1.1-2b-it")  # not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")
ODD_ID = "odd-model"


def call(simulator, method, path, **kwargs) -> requests.Response:
    return requests.request(method, simulator.url + path, timeout=5, **kwargs)


def assert_bad_input(response):
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text


class TestStats:
    def test_every_route_is_counted_under_its_key(self, simulator):
        call(simulator, "GET", "/models")
        call(simulator, "GET", f"/model/{LOCAL}")
        call(simulator, "POST", f"/model/{LOCAL}/download")
        call(simulator, "POST", f"/model/{LOCAL}/download/cancel")
        call(simulator, "POST", f"/model/{DOWNLOADED}/load")
        call(simulator, "POST", f"/model/{DOWNLOADED}/unload")
        call(simulator, "POST", "/model/update", json={})
        simulator.open_progress(LOCAL)
        call(simulator, "HEAD", "/.well-known/health")
        call(simulator, "GET", "/.well-known/version")
        call(simulator, "POST", f"/models/{LOCAL}/delete/cache", json={})
        call(simulator, "POST", "/models/unload")
        call(simulator, "POST", "/models/create", json={})
        call(simulator, "POST", f"/models/{LOCAL}/delete")
        call(simulator, "GET", "/os/device/information")
        call(simulator, "GET", "/ollama/status")
        call(simulator, "POST", "/ollama/install")
        call(simulator, "POST", "/ollama/update", json={"version": "0.5.7"})
        call(simulator, "POST", "/ollama/uninstall", json={"version": "0.5.7"})
        call(simulator, "POST", "/ollama/install/no-such-id/cancel")
        for stream in ("/models/stream/identifiers", "/ollama/status/stream"):
            websocket.create_connection(simulator.url.replace("http", "ws") + stream).close()
        stats = simulator.stats()
        assert stats["requests"] == {**{key: 1 for key in ROUTE_KEYS}, "other": 0}
        assert stats["requests_total"] == len(ROUTE_KEYS)

    def test_failed_and_unmatched_requests_count_too(self, simulator):
        call(simulator, "GET", "/model/not-a-model")
        call(simulator, "POST", "/model/not-a-model/load")
        call(simulator, "GET", "/no/such/route")
        call(simulator, "GET", f"/model/{LOCAL}/load")  # wrong method
        stats = simulator.stats()
        assert (stats["requests"]["get"], stats["requests"]["load"]) == (1, 1)
        assert stats["requests"]["other"] == 2
        assert stats["requests_total"] == 4

    def test_controls_are_not_counted(self, simulator):
        simulator.control("GET", "stats")
        simulator.control("DELETE", "faults")
        assert simulator.stats()["requests_total"] == 0


class TestFaults:
    def test_a_status_fault_answers_its_text_for_its_count(self, simulator):
        fault = {"route": "load", "status": 503, "text": "busy, try later", "times": 2}
        assert simulator.control("POST", "faults", fault).status_code == 200
        for _ in range(2):
            response = call(simulator, "POST", f"/model/{DOWNLOADED}/load")
            assert response.status_code == 503 and response.text == "busy, try later"
            assert response.headers["Content-Type"].startswith("text/plain")
        assert call(simulator, "POST", f"/model/{DOWNLOADED}/load").status_code == 200
        assert simulator.stats()["requests"]["load"] == 3

    def test_a_fault_without_count_lasts_until_cleared(self, simulator):
        simulator.control("POST", "faults", {"route": "list", "status": 500})
        for _ in range(3):
            response = call(simulator, "GET", "/models")
            assert (response.status_code, response.text) == (500, "simulated failure")
        assert call(simulator, "GET", f"/model/{LOCAL}").status_code == 200  # other routes
        cleared = simulator.control("DELETE", "faults")
        assert cleared.json() == {"routes": {}, "fail_next_download_at": None}
        assert call(simulator, "GET", "/models").status_code == 200

    def test_a_fault_does_not_run_the_action(self, simulator):
        simulator.control("POST", "faults", {"route": "download", "status": 500, "times": 1})
        call(simulator, "POST", f"/model/{LOCAL}/download")
        assert call(simulator, "GET", f"/model/{LOCAL}").json()["downloading"] is False

    def test_a_delay_holds_the_answer_back(self, simulator):
        simulator.control("POST", "faults", {"route": "get", "delay_seconds": 3, "times": 1})
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{simulator.url}/model/{LOCAL}", timeout=0.3)
        assert call(simulator, "GET", f"/model/{LOCAL}").status_code == 200

    def test_the_socket_route_can_fail_its_handshake(self, simulator):
        simulator.control("POST", "faults", {"route": "progress", "status": 502, "times": 1})
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(simulator.progress_url(LOCAL), timeout=5)
        assert refused.value.status_code == 502
        simulator.open_progress(LOCAL).close()  # the next handshake works

    def test_faults_are_described(self, simulator):
        simulator.control("POST", "faults", {"route": "health", "delay_seconds": 0.5})
        described = simulator.control("POST", "fail-next-download", {"at_percentage": 10}).json()
        assert described == {
            "routes": {
                "health": {
                    "delay_seconds": 0.5,
                    "status": None,
                    "text": "simulated failure",
                    "times": None,
                }
            },
            "fail_next_download_at": 10,
        }

    @pytest.mark.parametrize(
        "body",
        [
            {"route": "nope", "status": 500},
            {"status": 500},
            {"route": "load"},
            {"route": "load", "delay_seconds": -1},
            {"route": "load", "delay_seconds": "1"},
            {"route": "load", "delay_seconds": 10_000},
            {"route": "load", "status": 200},
            {"route": "load", "status": "500"},
            {"route": "load", "status": 500.0},
            {"route": "load", "status": True},
            {"route": "load", "status": 500, "text": 5},
            {"route": "load", "status": 500, "times": 0},
            {"route": "load", "status": 500, "times": 1.5},
            {"route": "load", "status": 500, "sometimes": 1},
            [],
            "load",
        ],
        ids=json.dumps,
    )
    def test_bad_fault_requests_are_400(self, simulator, body):
        assert_bad_input(simulator.control("POST", "faults", body))
        assert simulator.control("DELETE", "faults").json()["routes"] == {}

    def test_a_body_that_is_not_json_is_400(self, simulator):
        assert_bad_input(call(simulator, "POST", "/__sim/faults", data=b"{route: load"))

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"at_percentage": 101},
            {"at_percentage": -1},
            {"at_percentage": "50"},
            {"at_percentage": None},
            {"at_percentage": 50, "extra": 1},
        ],
        ids=json.dumps,
    )
    def test_bad_fail_next_download_requests_are_400(self, simulator, body):
        assert_bad_input(simulator.control("POST", "fail-next-download", body))


class TestReset:
    def test_reset_restores_a_fresh_simulator(self, simulator):
        call(simulator, "POST", f"/model/{DOWNLOADED}/load")
        simulator.control("PATCH", f"model/{LOCAL}", {"name": "renamed"})
        progress = simulator.open_progress(LOCAL)
        call(simulator, "POST", f"/model/{LOCAL}/download")
        simulator.control("POST", "faults", {"route": "list", "status": 500})
        simulator.control("POST", "fail-next-download", {"at_percentage": 1})

        assert simulator.control("POST", "reset").status_code == 200

        assert simulator.stats()["requests_total"] == 0
        models = call(simulator, "GET", "/models").json()["iterable"]
        fresh = initial_models()
        assert [m["id"] for m in models] == [m["id"] for m in fresh]
        assert all(
            served["name"] == m["name"]
            and served["loaded"] == m["loaded"]
            and served["downloading"] is False
            for served, m in zip(models, fresh, strict=True)
        )
        # The old download stopped silently: no frame of it comes after the reset.
        simulator.control("POST", f"progress/{LOCAL}", {"frame": "marker"})
        before_marker = []
        while (text := progress.next_text()) != "marker":
            before_marker.append(json.loads(text)["status"])
        assert set(before_marker) <= {"INITIALIZED", "IN-PROGRESS"}
        call(simulator, "POST", f"/model/{LOCAL}/download")
        frames = progress.frames_until_terminal()
        assert frames[0]["status"] == "INITIALIZED"
        percentages = [frame["percentage"] for frame in frames[1:-1]]
        assert percentages == sorted(set(percentages))  # no stray frame of the old download
        assert frames[-1]["status"] == "COMPLETED"  # the armed failure was cleared
        assert call(simulator, "GET", "/models").status_code == 200  # and the route fault


class TestDropProgressSockets:
    def test_with_no_socket_open_nothing_is_dropped(self, simulator):
        assert simulator.control("POST", "drop-progress-sockets").json() == {"dropped": 0}


class TestRawData:
    ODD_MODELS = [
        {"id": ODD_ID, "name": None, "cloud": "maybe", "bytes": {"value": 1.5}, "extra": [1]},
        {"name": "no id at all"},
        "not even an object",
        None,
        {"id": LOCAL, "name": "only a name", "type": "TELEPATHY"},
    ]

    def test_models_are_served_exactly_as_put(self, simulator):
        response = simulator.control("PUT", "models", self.ODD_MODELS)
        assert response.json() == {"count": 5}
        assert call(simulator, "GET", "/models").json() == {"iterable": self.ODD_MODELS}
        assert call(simulator, "GET", f"/model/{ODD_ID}").json() == self.ODD_MODELS[0]
        assert call(simulator, "GET", f"/model/{LOCAL}").json() == self.ODD_MODELS[4]
        assert call(simulator, "GET", f"/model/{DOWNLOADED}").status_code == 410

    def test_actions_on_odd_models_answer_text_not_crashes(self, simulator):
        simulator.control("PUT", "models", self.ODD_MODELS)
        load = call(simulator, "POST", f"/model/{ODD_ID}/load")
        assert load.status_code == 500 and "not downloaded" in load.text
        assert call(simulator, "POST", f"/model/{ODD_ID}/download").status_code == 200
        assert call(simulator, "POST", f"/model/{ODD_ID}/download/cancel").status_code == 200
        assert call(simulator, "POST", f"/model/{ODD_ID}/unload").status_code == 200

    def test_an_empty_list_is_valid(self, simulator):
        simulator.control("PUT", "models", [])
        assert call(simulator, "GET", "/models").json() == {"iterable": []}

    def test_putting_models_stops_running_downloads(self, simulator):
        progress = simulator.open_progress(LOCAL)
        call(simulator, "POST", f"/model/{LOCAL}/download")
        simulator.control("PUT", "models", [{"id": LOCAL, "downloading": True}])
        simulator.control("POST", f"progress/{LOCAL}", {"frame": "marker"})
        while (text := progress.next_text()) != "marker":
            assert json.loads(text)["status"] in {"INITIALIZED", "IN-PROGRESS"}
        assert call(simulator, "GET", f"/model/{LOCAL}").json() == {
            "id": LOCAL,
            "downloading": True,
        }

    @pytest.mark.parametrize("body", [{"iterable": []}, "[]", None])
    def test_putting_anything_but_a_list_is_400(self, simulator, body):
        assert_bad_input(simulator.control("PUT", "models", body))

    def test_patch_sets_keys_as_another_tool_would(self, simulator):
        response = simulator.control("PATCH", f"model/{DOWNLOADED}", {"loaded": True, "x": 1})
        assert response.status_code == 200
        served = call(simulator, "GET", f"/model/{DOWNLOADED}").json()
        assert response.json() == served
        assert (served["loaded"], served["x"]) == (True, 1)
        assert simulator.stats()["requests"]["load"] == 0

    def test_patch_of_an_unknown_model_is_404(self, simulator):
        response = simulator.control("PATCH", "model/nope", {"loaded": True})
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/plain")

    @pytest.mark.parametrize("body", [[{"loaded": True}], "loaded", None])
    def test_patch_with_anything_but_an_object_is_400(self, simulator, body):
        assert_bad_input(simulator.control("PATCH", f"model/{DOWNLOADED}", body))

    @pytest.mark.parametrize(
        "frame, text",
        [
            (
                {"status": "IN-PROGRESS", "percentage": 12.5},
                '{"status": "IN-PROGRESS", "percentage": 12.5}',
            ),
            ("not json at all", "not json at all"),
            ({}, "{}"),
            (None, "null"),
            (7, "7"),
        ],
        ids=repr,
    )
    def test_raw_frames_reach_every_socket_of_the_model(self, simulator, frame, text):
        sockets = [simulator.open_progress(LOCAL), simulator.open_progress(LOCAL)]
        response = simulator.control("POST", f"progress/{LOCAL}", {"frame": frame})
        assert response.json() == {"delivered": 2}
        assert [progress.next_text() for progress in sockets] == [text, text]

    @pytest.mark.parametrize("body", [{}, {"frame": 1, "extra": 2}, ["frame"]], ids=repr)
    def test_bad_frame_requests_are_400(self, simulator, body):
        assert_bad_input(simulator.control("POST", f"progress/{LOCAL}", body))
