"""The simulator's Model API routes: statuses, texts, content types and behaviour rules."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.servers import wait_until
from webapp.simulator import create_simulator_app
from webapp.simulator.catalogue import initial_models, model_id

LOADED = model_id("Llama-3 8B Instruct")  # downloaded and loaded, 5.8 GB RAM
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")  # downloaded, 3.2 GB RAM
ALSO_DOWNLOADED = model_id("granite-3b-code-instruct")  # downloaded, 2.6 GB RAM
NOT_DOWNLOADED = model_id("gemma-1.1-2b-it")
CLOUD = model_id("GPT-4o Chat Model")
DENIED = model_id("Codey (PaLM2) Chat Model")
CUSTOM = model_id("Acme Support Llama-3 8B (fine-tune)")
BUILT_IN_LOCAL = DOWNLOADED
MISSING = "00000000-0000-4000-8000-000000000000"


def call(simulator, method, path, **kwargs) -> requests.Response:
    return requests.request(method, simulator.url + path, timeout=5, **kwargs)


def model(simulator, identifier) -> dict:
    return call(simulator, "GET", f"/model/{identifier}").json()


def assert_plain_text(response, status, text=None):
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/plain")
    if text is not None:
        assert response.text == text


class TestRoutes:
    def test_models_lists_the_catalogue_as_json(self, simulator):
        response = call(simulator, "GET", "/models")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert [m["id"] for m in response.json()["iterable"]] == [m["id"] for m in initial_models()]

    def test_model_answers_the_same_object_as_the_list(self, simulator):
        listed = {m["id"]: m for m in call(simulator, "GET", "/models").json()["iterable"]}
        response = call(simulator, "GET", f"/model/{DOWNLOADED}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == listed[DOWNLOADED]

    @pytest.mark.parametrize(
        "method, path",
        [
            ("GET", "/model/{}"),
            ("POST", "/model/{}/download"),
            ("POST", "/model/{}/download/cancel"),
            ("POST", "/model/{}/load"),
            ("POST", "/model/{}/unload"),
        ],
    )
    def test_unknown_model_is_410_model_was_not_found(self, simulator, method, path):
        response = call(simulator, method, path.format(MISSING))
        assert_plain_text(response, 410, "model was not found.")

    @pytest.mark.parametrize(
        "method, path, status",
        [
            ("GET", "/nothing/here", 404),
            ("GET", "/model", 404),
            ("POST", "/models/x/y/z", 404),
            ("GET", f"/model/{DOWNLOADED}/load", 405),
            ("DELETE", "/models", 405),
        ],
    )
    def test_unknown_routes_answer_text_errors(self, simulator, method, path, status):
        assert_plain_text(call(simulator, method, path), status)

    def test_health_answers_ok_to_get_and_head(self, simulator):
        response = call(simulator, "GET", "/.well-known/health")
        assert_plain_text(response, 200)
        assert response.text.startswith("ok")
        assert call(simulator, "HEAD", "/.well-known/health").status_code == 200

    def test_version_is_semver_text(self, simulator):
        response = call(simulator, "GET", "/.well-known/version")
        assert_plain_text(response, 200)
        assert re.fullmatch(r"12\.\d+\.\d+", response.text)


class TestCatalogue:
    def test_shape_of_the_catalogue(self):
        models = initial_models()
        assert 60 <= len(models) <= 75
        assert len({m["id"] for m in models}) == len(models)
        assert [m["name"] for m in models if m["loaded"]] == ["Llama-3 8B Instruct"]
        assert sum(m["downloaded"] for m in models) >= 3
        assert sum(m["cloud"] for m in models) >= 25
        assert len([m for m in models if m.get("custom")]) >= 2
        denied = [m for m in models if m.get("denied")]
        assert len(denied) == 1 and not denied[0].get("custom")
        assert {m.get("cpu") for m in models if not m["cloud"]} == {True, False, None}

    def test_ids_are_stable_uuid5_of_the_name(self):
        for entry in initial_models():
            assert entry["id"] == model_id(entry["name"])
            assert re.fullmatch(
                r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                r"[0-9a-f]{12}",
                entry["id"],
            )

    def test_each_call_returns_fresh_dicts(self):
        first = initial_models()
        first[0]["name"] = "changed"
        first[0]["capabilities"]["images"] = "changed"
        second = initial_models()
        assert second[0]["name"] != "changed"
        assert second[0]["capabilities"]["images"] is True

    def test_two_apps_have_the_same_ids_and_separate_state(self, simulator_factory):
        first, second = simulator_factory(), simulator_factory()
        assert call(first, "POST", f"/model/{DOWNLOADED}/load").json()["loaded"] is True
        assert model(second, DOWNLOADED)["loaded"] is False
        assert call(second, "GET", "/__sim/stats").json()["requests"]["load"] == 0
        assert first.state is not second.state

    def test_app_options_are_checked(self):
        with pytest.raises(ValueError):
            create_simulator_app(tick_seconds=0)


class TestDownloadRules:
    def test_download_answers_downloading_at_once(self, simulator):
        response = call(simulator, "POST", f"/model/{NOT_DOWNLOADED}/download")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["downloading"] is True
        assert response.json()["downloaded"] is False
        assert model(simulator, NOT_DOWNLOADED)["downloading"] is True
        wait_until(lambda: model(simulator, NOT_DOWNLOADED)["downloaded"], "download")
        assert model(simulator, NOT_DOWNLOADED)["downloading"] is False

    @pytest.mark.parametrize("route", ["download", "load"])
    def test_cloud_models_refuse_with_text(self, simulator, route):
        response = call(simulator, "POST", f"/model/{CLOUD}/{route}")
        assert_plain_text(response, 500)
        assert "cloud" in response.text and "GPT-4o Chat Model" in response.text

    @pytest.mark.parametrize("route", ["download", "load"])
    def test_denied_model_refuses_with_text(self, simulator, route):
        response = call(simulator, "POST", f"/model/{DENIED}/{route}")
        assert_plain_text(response, 500)

    def test_download_of_downloaded_model_changes_nothing(self, simulator):
        before = model(simulator, DOWNLOADED)
        progress = simulator.open_progress(DOWNLOADED)
        response = call(simulator, "POST", f"/model/{DOWNLOADED}/download")
        assert response.status_code == 200 and response.json() == before
        # The first frame the socket sees is our marker: the download sent none.
        simulator.control("POST", f"progress/{DOWNLOADED}", {"frame": "marker"})
        assert progress.next_text() == "marker"
        assert model(simulator, DOWNLOADED) == before

    def test_second_download_request_joins_the_running_one(self, simulator):
        first = call(simulator, "POST", f"/model/{NOT_DOWNLOADED}/download").json()
        second = call(simulator, "POST", f"/model/{NOT_DOWNLOADED}/download").json()
        assert first == second and second["downloading"] is True

    def test_cancel_with_nothing_downloading_changes_nothing(self, simulator):
        before = model(simulator, NOT_DOWNLOADED)
        progress = simulator.open_progress(NOT_DOWNLOADED)
        response = call(simulator, "POST", f"/model/{NOT_DOWNLOADED}/download/cancel")
        assert response.status_code == 200 and response.json() == before
        simulator.control("POST", f"progress/{NOT_DOWNLOADED}", {"frame": "marker"})
        assert progress.next_text() == "marker"

    def test_cancel_stops_the_download(self, simulator):
        call(simulator, "POST", f"/model/{NOT_DOWNLOADED}/download")
        response = call(simulator, "POST", f"/model/{NOT_DOWNLOADED}/download/cancel")
        assert response.status_code == 200
        assert (response.json()["downloading"], response.json()["downloaded"]) == (False, False)
        assert model(simulator, NOT_DOWNLOADED)["downloading"] is False


class TestLoadRules:
    def test_load_and_unload(self, simulator):
        response = call(simulator, "POST", f"/model/{DOWNLOADED}/load")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["loaded"] is True
        assert model(simulator, DOWNLOADED)["loaded"] is True
        response = call(simulator, "POST", f"/model/{DOWNLOADED}/unload")
        assert response.status_code == 200 and response.json()["loaded"] is False
        assert model(simulator, DOWNLOADED)["loaded"] is False

    def test_load_of_loaded_and_unload_of_unloaded_change_nothing(self, simulator):
        loaded, unloaded = model(simulator, LOADED), model(simulator, DOWNLOADED)
        assert call(simulator, "POST", f"/model/{LOADED}/load").json() == loaded
        assert call(simulator, "POST", f"/model/{DOWNLOADED}/unload").json() == unloaded

    def test_load_of_a_model_not_downloaded_is_refused(self, simulator):
        response = call(simulator, "POST", f"/model/{NOT_DOWNLOADED}/load")
        assert_plain_text(response, 500)
        assert "not downloaded" in response.text
        assert model(simulator, NOT_DOWNLOADED)["loaded"] is False

    def test_load_beyond_the_memory_budget_names_the_shortfall(self, simulator_factory):
        simulator = simulator_factory(memory_gb=8)  # 5.8 GB in use, Phi-3 needs 3.2 GB
        response = call(simulator, "POST", f"/model/{DOWNLOADED}/load")
        assert_plain_text(response, 500)
        assert response.text == (
            "Not enough memory to load Phi-3-mini-4k-instruct: it needs 3.20 GB, but only "
            "2.20 GB of 8.00 GB is free; 1.00 GB short."
        )
        assert model(simulator, DOWNLOADED)["loaded"] is False

    def test_unloading_frees_memory_for_another_model(self, simulator_factory):
        simulator = simulator_factory(memory_gb=8)
        call(simulator, "POST", f"/model/{LOADED}/unload")
        assert call(simulator, "POST", f"/model/{DOWNLOADED}/load").status_code == 200


class TestUpdate:
    def custom(self, simulator) -> dict:
        return model(simulator, CUSTOM)

    def test_only_custom_models_can_be_updated(self, simulator):
        body = model(simulator, BUILT_IN_LOCAL) | {"description": "changed"}
        response = call(simulator, "POST", "/model/update", json=body)
        assert_plain_text(response, 500)
        assert "custom" in response.text
        assert "description" not in model(simulator, BUILT_IN_LOCAL)

    def test_update_replaces_the_model_and_keeps_what_the_server_owns(self, simulator):
        body = self.custom(simulator) | {
            "name": "Acme Support v2",
            "loaded": True,
            "downloading": True,
            "downloaded": False,
            "custom": False,
            "not-a-key": 1,
        }
        del body["description"]
        response = call(simulator, "POST", "/model/update", json=body)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
        updated = response.json()
        assert updated["id"] == CUSTOM and updated["name"] == "Acme Support v2"
        assert (updated["loaded"], updated["downloading"], updated["downloaded"]) == (
            False,
            False,
            True,
        )
        assert updated["custom"] is True
        assert "not-a-key" not in updated and "description" not in updated
        assert model(simulator, CUSTOM) == updated

    def test_update_keeps_a_running_download(self, simulator):
        other_custom = model_id("Acme Code Review Qwen (fine-tune)")
        call(simulator, "POST", f"/model/{other_custom}/download")
        body = model(simulator, other_custom) | {"downloading": False}
        assert call(simulator, "POST", "/model/update", json=body).json()["downloading"] is True

    def test_update_of_an_unknown_model_is_410(self, simulator):
        body = self.custom(simulator) | {"id": MISSING}
        response = call(simulator, "POST", "/model/update", json=body)
        assert_plain_text(response, 410, "model was not found.")

    @pytest.mark.parametrize(
        "change",
        [
            {"name": None},
            {"name": 7},
            {"cloud": "false"},
            {"type": "FAST"},
            {"usage": "CHAT"},
            {"created": {"value": "yesterday"}},
            {"created": {"value": "9999-12-31T23:00:00-02:00"}},
            {"created": "2024-07-23T00:00:00.000Z"},
            {"bytes": {"value": 4.5, "readable": "4.5 B"}},
            {"ram": {"value": 10}},
            {"maxTokens": {"total": "8k"}},
            {"capabilities": {"images": 1}},
            {"organization": {}},
            {"score": {"manual": 1}},
            {"schema": {"migration": 0}},
            {"parameters": True},
            {"description": None},
            {"id": ""},
        ],
        ids=repr,
    )
    def test_invalid_bodies_are_refused_with_text(self, simulator, change):
        before = self.custom(simulator)
        response = call(simulator, "POST", "/model/update", json=before | change)
        assert_plain_text(response, 500)
        assert response.text.startswith("invalid model: ")
        assert self.custom(simulator) == before

    @pytest.mark.parametrize("data", [b"not json", b"[]", b"null"])
    def test_non_object_bodies_are_refused(self, simulator, data):
        response = call(
            simulator,
            "POST",
            "/model/update",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        assert_plain_text(response, 500)

    @pytest.mark.parametrize(
        "sent",
        [
            "2024-09-02T10:30:00+00:00",
            "2024-09-02T12:30:00+02:00",
            "2024-09-02T10:30:00",
            "2024-09-02T10:30:00.000Z",
        ],
    )
    def test_update_writes_created_in_the_servers_format(self, simulator, sent):
        body = self.custom(simulator) | {"created": {"value": sent}}
        response = call(simulator, "POST", "/model/update", json=body)
        assert response.json()["created"] == {"value": "2024-09-02T10:30:00.000Z"}

    def test_null_is_accepted_where_the_contract_allows_it(self, simulator):
        body = self.custom(simulator) | {
            "parameters": None,
            "maxTokens": {"total": None, "input": None},
        }
        response = call(simulator, "POST", "/model/update", json=body)
        assert response.status_code == 200
        assert response.json()["parameters"] is None
        assert response.json()["maxTokens"] == {"total": None, "input": None}


class TestConcurrency:
    def test_racing_loads_never_overcommit_memory(self, simulator_factory):
        # 5.8 GB in use of 10 GB: Phi-3 (3.2 GB) or granite (2.6 GB) fits, not both.
        simulator = simulator_factory(memory_gb=10)
        targets = [DOWNLOADED, ALSO_DOWNLOADED] * 10
        start = threading.Barrier(len(targets))

        def load(identifier):
            start.wait()
            return identifier, call(simulator, "POST", f"/model/{identifier}/load").status_code

        with ThreadPoolExecutor(len(targets)) as pool:
            results = list(pool.map(load, targets))
        winners = {identifier for identifier, status in results if status == 200}
        assert len(winners) == 1
        assert all(status == 500 for identifier, status in results if identifier not in winners)
        loaded = {
            m["id"] for m in call(simulator, "GET", "/models").json()["iterable"] if m["loaded"]
        }
        assert loaded == {LOADED} | winners

    def test_mixed_concurrent_actions_leave_consistent_state(self, simulator):
        local = [m["id"] for m in initial_models() if not m["cloud"] and not m["downloaded"]][:12]
        start = threading.Barrier(20)

        def work(index):
            start.wait()
            if index < len(local):
                return call(simulator, "POST", f"/model/{local[index]}/download").status_code
            target = (DOWNLOADED, ALSO_DOWNLOADED)[index % 2]
            statuses = [
                call(simulator, "POST", f"/model/{target}/{action}").status_code
                for action in ("load", "unload", "load", "unload")
            ]
            return max(statuses)

        with ThreadPoolExecutor(20) as pool:
            assert set(pool.map(work, range(20))) == {200}

        def all_downloaded():
            models = {m["id"]: m for m in call(simulator, "GET", "/models").json()["iterable"]}
            return all(models[i]["downloaded"] and not models[i]["downloading"] for i in local)

        wait_until(all_downloaded, "every download to finish", timeout=10)
        models = call(simulator, "GET", "/models").json()["iterable"]
        assert [m["id"] for m in models if m["loaded"]] == [LOADED]
