"""Download, cancel, load and unload through the panel, against the simulator on loopback."""

import re

import pytest

from tests.support.models import (
    BUTTON,
    CONFIRMED,
    act,
    model_in_state,
    rows,
    upstream_model,
    upstream_models,
)

EXPECTED_BUTTONS = {
    "not downloaded": {"download"},
    "downloading": {"cancel"},
    "downloaded": {"load"},
    "loaded": {"unload"},
    "cloud": set(),
    "denied": set(),
}


@pytest.fixture
def slow_simulator(simulator_factory):
    """Downloads that last long enough to act on them mid-way."""
    return simulator_factory(download_seconds=60, tick_seconds=0.5)


@pytest.fixture
def slow_client(panel_factory, slow_simulator):
    return panel_factory(PIECES_OS_URL=slow_simulator.url).test_client()


class TestButtons:
    def test_each_state_offers_exactly_its_actions(self, slow_client, slow_simulator):
        downloading = model_in_state(slow_simulator, "not downloaded")
        assert act(slow_client, downloading.id, "download").status_code == 200
        listed = rows(slow_client.get("/").text)
        seen_states = set()
        for state, body in listed.values():
            assert set(BUTTON.findall(body)) == EXPECTED_BUTTONS[state], state
            seen_states.add(state)
        assert seen_states == set(EXPECTED_BUTTONS)

    def test_custom_models_have_an_edit_link_others_do_not(self, client, simulator):
        for model in upstream_models(simulator):
            html = client.get(f"/models/{model.id}").text
            assert ("/edit" in html) is model.custom, model.name


class TestHappyPaths:
    def test_download_then_cancel(self, slow_client, slow_simulator):
        model = model_in_state(slow_simulator, "not downloaded")
        response = act(slow_client, model.id, "download")
        assert response.status_code == 200
        assert rows(response.text)[model.id][0] == "downloading"
        assert upstream_model(slow_simulator, model.id).downloading

        response = act(slow_client, model.id, "cancel")
        assert rows(response.text)[model.id][0] == "not downloaded"
        assert not upstream_model(slow_simulator, model.id).downloading

    def test_download_completes_on_the_simulator(self, client, simulator):
        model = model_in_state(simulator, "not downloaded")
        act(client, model.id, "download")
        done = simulator.wait_until(
            lambda: upstream_model(simulator, model.id).downloaded, what="the download to complete"
        )
        assert done and not upstream_model(simulator, model.id).downloading

    def test_load_then_unload(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        response = act(client, model.id, "load")
        assert rows(response.text)[model.id][0] == "loaded"
        assert upstream_model(simulator, model.id).loaded
        response = act(client, model.id, "unload")
        assert rows(response.text)[model.id][0] == "downloaded"
        assert not upstream_model(simulator, model.id).loaded

    def test_detail_page_gets_its_card_back(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        response = act(client, model.id, "load", view="card")
        assert response.text.startswith(f'<article id="model-{model.id}" class="model-view card" ')
        assert 'class="button action-unload"' in response.text

    def test_row_link_keeps_the_filters_of_the_page_it_came_from(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        response = act(client, model.id, "load", next="/?state=downloaded&sort=-ram")
        assert f'href="/models/{model.id}?state=downloaded&amp;sort=-ram"' in response.text

    def test_without_javascript_it_redirects_back_with_a_message(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        response = act(client, model.id, "load", htmx=False, next="/?state=loaded")
        assert response.status_code == 303 and response.headers["Location"] == "/?state=loaded"
        page = client.get("/?state=loaded").text
        assert f"Loaded: {model.name}." in page and model.id in rows(page)
        assert upstream_model(simulator, model.id).loaded

    @pytest.mark.parametrize(
        "next_url", ["//evil.example/", "https://evil.example/", "\\\\evil", "javascript:alert(1)"]
    )
    def test_redirect_stays_on_the_panel(self, client, simulator, next_url):
        model = model_in_state(simulator, "downloaded")
        response = act(client, model.id, "load", htmx=False, next=next_url)
        assert response.headers["Location"] == "/"


class TestRefusals:
    @pytest.mark.parametrize(
        "state, action, route",
        [
            ("not downloaded", "load", "load"),
            ("downloaded", "download", "download"),
            ("loaded", "load", "load"),
            ("cloud", "download", "download"),
            ("cloud", "load", "load"),
            ("denied", "download", "download"),
            ("downloaded", "cancel", "cancel"),
            ("downloaded", "unload", "unload"),
        ],
    )
    def test_action_that_does_not_apply_is_409_and_sends_nothing(
        self, client, simulator, state, action, route
    ):
        model = model_in_state(simulator, state)
        response = act(client, model.id, action)
        assert response.status_code == 409
        assert f"Cannot {action} " in response.text and f"it is {state}" in response.text
        assert simulator.stats()["requests"].get(route, 0) == 0

    def test_unknown_action_or_method_is_refused(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        assert client.post(f"/models/{model.id}/explode").status_code == 404
        assert client.get(f"/models/{model.id}/load").status_code == 405
        assert simulator.stats()["requests"].get("load", 0) == 0


class TestFailures:
    def test_410_says_the_model_no_longer_exists(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        simulator.control(
            "POST", "faults", {"route": "load", "status": 410, "text": "model was not found."}
        )
        response = act(client, model.id, "load")
        assert response.status_code == 410
        assert "This model no longer exists in Pieces OS" in response.text
        assert f'id="model-{model.id}"' in response.text

    def test_500_shows_pieces_os_text_on_the_row(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        simulator.control(
            "POST",
            "faults",
            {"route": "load", "status": 500, "text": "GPU <b>fell off</b> the bus"},
        )
        response = act(client, model.id, "load")
        assert response.status_code < 500
        assert "Pieces OS answered 500: GPU &lt;b&gt;fell off&lt;/b&gt; the bus" in response.text
        assert rows(response.text)[model.id][0] == "downloaded"  # the row is still usable
        assert 'class="button action-load"' in response.text

    def test_memory_budget_refusal_is_shown(self, panel_factory, simulator_factory):
        tight = simulator_factory(memory_gb=1)
        client = panel_factory(PIECES_OS_URL=tight.url).test_client()
        model = next(m for m in upstream_models(tight) if m.can_load and m.ram_bytes)
        response = act(client, model.id, "load")
        assert response.status_code < 500 and "Pieces OS answered 500" in response.text

    def test_timeout_names_the_limit(self, panel_factory, simulator):
        client = panel_factory(PIECES_OS_READ_TIMEOUT=0.3).test_client()
        model = model_in_state(simulator, "loaded")
        simulator.control("POST", "faults", {"route": "unload", "delay_seconds": 1.0})
        response = act(client, model.id, "unload", **CONFIRMED)
        assert response.status_code < 500
        assert "Pieces OS did not answer within 0.3 s" in response.text

    def test_unreachable_updates_the_banner_only(self, panel_factory, closed_port_url):
        client = panel_factory(PIECES_OS_URL=closed_port_url).test_client()
        response = act(client, "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11", "load")
        assert response.status_code == 200
        assert response.headers["HX-Reswap"] == "none"
        assert '<div id="banner" hx-swap-oob="true">' in response.text
        assert f"Pieces OS is not reachable at <code>{closed_port_url}</code>" in response.text

    def test_unreachable_without_javascript_flashes_the_error(self, panel_factory, closed_port_url):
        client = panel_factory(PIECES_OS_URL=closed_port_url).test_client()
        response = act(client, "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11", "load", htmx=False)
        assert response.status_code == 303
        assert "Pieces OS is not reachable" in client.get("/").text

    def test_malformed_answer_is_explained(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        broken = {key: value for key, value in model.raw.items() if key != "cloud"}
        simulator.control("PUT", "models", [broken])
        response = act(client, model.id, "load")
        assert response.status_code < 500
        assert "Pieces OS sent something unexpected" in response.text

    def test_error_text_cannot_inject_markup(self, client, simulator):
        model = model_in_state(simulator, "downloaded")
        simulator.control(
            "POST", "faults", {"route": "load", "status": 500, "text": "<script>alert(1)</script>"}
        )
        assert "<script>alert" not in act(client, model.id, "load").text


def test_double_submit_is_guarded_in_the_markup(client, simulator):
    """htmx drops a second request while one is in flight and disables the button."""
    model = model_in_state(simulator, "downloaded")
    html = client.get("/").text
    load_form = re.search(
        rf'<form method="post" action="/models/{model.id}/load"[^>]*>', html.replace("\n", " ")
    )
    assert 'hx-sync="this:drop"' in load_form.group(0)
    assert 'hx-disable="find button"' in load_form.group(0)


def test_a_refused_htmx_action_answers_in_the_error_area_not_in_place_of_its_row(
    viewer_client, simulator
):
    model = model_in_state(simulator, "downloaded")
    response = viewer_client.post(
        f"/models/{model.id}/load", data={"view": "row"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == (
        "#request-error",
        "innerHTML",
    )
    assert 'role="alert"' in response.text and "model-view" not in response.text
