"""Deleting a model's files, unloading everything, and the confirmations of destructive actions
(cancelling or unloading a teammate's model): with htmx, without JavaScript, for each role."""

import pytest

from tests.activity.test_activity import log_of, only
from tests.support.models import (
    CONFIRMED,
    HTMX,
    act,
    model_in_state,
    rows,
    upstream_model,
    upstream_models,
)


def requests_to(simulator, route: str) -> int:
    return simulator.stats()["requests"][route]


def delete_files(client, model_id: str, htmx: bool = True, **form):
    return client.post(
        f"/models/{model_id}/delete-files", data={"next": "/", **form}, headers=HTMX if htmx else {}
    )


class TestDeleteFiles:
    def test_the_button_asks_first_in_place_and_then_deletes(
        self, panel, operator_client, simulator
    ):
        model = model_in_state(simulator, "downloaded")
        row = rows(operator_client.get("/").text)[model.id][1]
        confirm_url = f"/models/{model.id}/delete-files?view=row&amp;next=/"
        assert f'href="{confirm_url}"' in row and f'hx-get="{confirm_url}"' in row
        asked = operator_client.get(confirm_url.replace("&amp;", "&"), headers=HTMX)
        assert asked.status_code == 200
        assert asked.text.lstrip().startswith(f'<tr id="model-{model.id}"')
        assert f"Delete the downloaded files of {model.name}?" in asked.text
        assert 'hx-post="/models/' in asked.text and 'name="confirmed" value="yes"' in asked.text
        assert upstream_model(simulator, model.id).downloaded  # asking deletes nothing

        response = delete_files(operator_client, model.id, **CONFIRMED)
        assert response.status_code == 200
        assert rows(response.text)[model.id][0] == "not downloaded"
        assert not upstream_model(simulator, model.id).downloaded
        entry = only(log_of(panel, action="delete-files"))
        assert (entry["user"], entry["model_name"], entry["outcome"]) == (
            "operator",
            model.name,
            "ok",
        )

    def test_without_javascript_a_page_asks_and_the_form_redirects(
        self, operator_client, simulator
    ):
        model = model_in_state(simulator, "downloaded")
        page = operator_client.get(f"/models/{model.id}/delete-files?next=/%3Fstate%3Ddownloaded")
        assert page.status_code == 200 and "<h1>Are you sure?</h1>" in page.text
        assert f'action="/models/{model.id}/delete-files"' in page.text
        assert "hx-post" not in page.text.split('class="confirm"')[1]
        assert 'href="/?state=downloaded">Keep it</a>' in page.text
        response = delete_files(
            operator_client, model.id, htmx=False, **CONFIRMED, next="/?state=downloaded"
        )
        assert response.status_code == 303 and response.headers["Location"] == "/?state=downloaded"
        assert f"Deleted the downloaded files of {model.name}." in operator_client.get("/").text
        assert not upstream_model(simulator, model.id).downloaded

    def test_unconfirmed_is_400_and_nothing_reaches_pieces_os(
        self, panel, operator_client, simulator
    ):
        model = model_in_state(simulator, "downloaded")
        for htmx in (True, False):
            response = delete_files(operator_client, model.id, htmx=htmx)
            assert response.status_code == 400 and "must be confirmed first" in response.text
        assert requests_to(simulator, "delete_cache") == 0
        assert upstream_model(simulator, model.id).downloaded
        assert log_of(panel, action="delete-files") == []

    @pytest.mark.parametrize(
        "state, why",
        [
            ("loaded", "it is loaded; unload it first"),
            ("downloading", "cancel the download first"),
            ("not downloaded", "it has no downloaded files"),
        ],
    )
    def test_refused_while_in_use_saying_why(
        self, panel, panel_factory, simulator_factory, state, why
    ):
        slow = simulator_factory(download_seconds=60, tick_seconds=0.5)
        client = panel_factory(PIECES_OS_URL=slow.url).test_client(user="operator")
        if state == "downloading":
            act(client, model_in_state(slow, "not downloaded").id, "download")
        model = model_in_state(slow, state)
        assert "Delete files" not in rows(client.get("/").text)[model.id][1]
        response = delete_files(client, model.id, **CONFIRMED)
        assert response.status_code == 409 and why in response.text
        assert f'<tr id="model-{model.id}"' in response.text  # the row stays, saying why
        assert requests_to(slow, "delete_cache") == 0
        assert only(log_of(panel, action="delete-files"))["outcome"] == "refused"

    def test_viewers_see_no_button_and_are_refused(self, viewer_client, simulator):
        model = model_in_state(simulator, "downloaded")
        assert "delete-files" not in viewer_client.get("/").text
        assert viewer_client.get(f"/models/{model.id}/delete-files").status_code == 403
        assert delete_files(viewer_client, model.id, **CONFIRMED).status_code == 403
        assert upstream_model(simulator, model.id).downloaded


class TestUnloadEverything:
    def test_operators_confirm_then_every_model_is_unloaded_and_logged(
        self, panel, operator_client, simulator
    ):
        loaded = [model.name for model in upstream_models(simulator) if model.loaded]
        assert loaded
        summary = operator_client.get("/").text.split('id="summary"')[1].split("</div>")[0]
        assert 'href="/unload-all?next=/">Unload everything</a>' in summary
        page = operator_client.get("/unload-all?next=/").text
        assert "Unload every loaded model?" in page and loaded[0] in page
        refused = operator_client.post("/unload-all", data={"next": "/"})
        assert refused.status_code == 400 and requests_to(simulator, "unload_all") == 0
        response = operator_client.post("/unload-all", data={"next": "/", **CONFIRMED})
        assert response.status_code == 303 and response.headers["Location"] == "/"
        assert not [model for model in upstream_models(simulator) if model.loaded]
        entry = only(log_of(panel, action="unload-all"))
        assert (entry["user"], entry["outcome"]) == ("operator", "ok")
        assert entry["detail"] == f"Unloaded 1 model: {loaded[0]}."
        after = operator_client.get("/").text
        assert "Unload everything" not in after and "0 loaded" in after

    def test_viewers_see_no_button_and_are_refused(self, viewer_client, simulator):
        assert "Unload everything" not in viewer_client.get("/").text
        assert viewer_client.get("/unload-all").status_code == 403
        assert viewer_client.post("/unload-all", data=CONFIRMED).status_code == 403
        assert requests_to(simulator, "unload_all") == 0


class TestTakingOverATeammatesModel:
    def test_unloading_a_model_someone_else_loaded_asks_first(self, panel, simulator):
        operator = panel.test_client(user="operator")
        admin = panel.test_client(user="admin")
        model = model_in_state(simulator, "downloaded")
        act(operator, model.id, "load")
        asked = act(admin, model.id, "unload")
        assert asked.status_code == 200 and upstream_model(simulator, model.id).loaded
        assert f"Unload {model.name}?" in asked.text and "loaded by operator" in asked.text
        assert rows(asked.text)[model.id][0] == "loaded"  # asked in place of the buttons
        assert log_of(panel, action="unload") == []
        done = act(admin, model.id, "unload", **CONFIRMED)
        assert rows(done.text)[model.id][0] == "downloaded"

    def test_without_javascript_the_question_is_a_page(self, panel, simulator):
        model = model_in_state(simulator, "loaded")  # loaded before the panel's log began
        page = act(panel.test_client(user="operator"), model.id, "unload", htmx=False)
        assert page.status_code == 200 and "<h1>Are you sure?</h1>" in page.text
        assert "loaded by somebody outside the panel" in page.text
        assert upstream_model(simulator, model.id).loaded

    def test_ones_own_model_needs_no_confirmation(self, operator_client, simulator):
        model = model_in_state(simulator, "downloaded")
        act(operator_client, model.id, "load")
        response = act(operator_client, model.id, "unload")
        assert rows(response.text)[model.id][0] == "downloaded"

    def test_cancelling_someone_elses_download_asks_first(self, panel_factory, simulator_factory):
        slow = simulator_factory(download_seconds=60, tick_seconds=0.5)
        app = panel_factory(PIECES_OS_URL=slow.url)
        model = model_in_state(slow, "not downloaded")
        act(app.test_client(user="operator"), model.id, "download")
        asked = act(app.test_client(user="admin"), model.id, "cancel")
        assert "Cancel the download of" in asked.text and "started by operator" in asked.text
        assert upstream_model(slow, model.id).downloading
        act(app.test_client(user="admin"), model.id, "cancel", **CONFIRMED)
        assert not upstream_model(slow, model.id).downloading
