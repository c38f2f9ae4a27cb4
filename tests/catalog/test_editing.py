"""Editing custom models: the form, its validation, and what reaches the simulator."""

import pytest

from tests.support.models import VALID_EDIT, upstream_model, upstream_models


@pytest.fixture
def custom_model(simulator):
    return next(model for model in upstream_models(simulator) if model.custom)


def test_form_shows_the_current_values(client, custom_model):
    html = client.get(f"/models/{custom_model.id}/edit").text
    assert f'value="{custom_model.name}"' in html
    assert f'value="{custom_model.version}"' in html
    for capability in custom_model.capabilities:
        assert f'value="{capability}" checked' in html


def test_valid_change_reaches_the_simulator(client, simulator, custom_model):
    response = client.post(f"/models/{custom_model.id}/edit", data=VALID_EDIT)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/models/{custom_model.id}"
    saved = upstream_model(simulator, custom_model.id)
    assert (saved.name, saved.description, saved.version, saved.quantization) == (
        "Team Llama (tuned)",
        "Our fine-tune",
        "2.1.0",
        "q5_K_M",
    )
    assert saved.parameters == 8.5 and saved.cpu is True
    assert (saved.max_tokens.total, saved.max_tokens.input, saved.max_tokens.output) == (
        16384,
        12000,
        4096,
    )
    assert saved.capabilities == ("codebases", "documents")
    assert saved.raw["created"] == custom_model.raw["created"]  # the rest is kept as it was
    assert "Saved Team Llama (tuned)." in client.get(response.headers["Location"]).text


def test_a_saved_model_replaces_the_live_states_older_copy(client, panel, custom_model):
    """A list read before the save (the refresher's) must not bring the old model back."""
    host = panel.extensions["fleet"].default
    client.get("/")  # the live state now holds the model as it was
    before_save = host.loop.seq
    assert client.post(f"/models/{custom_model.id}/edit", data=VALID_EDIT).status_code == 303

    assert host.snapshot.model(custom_model.id).name == "Team Llama (tuned)"
    host.loop.ask(host.models.list_heard, [custom_model], before_save)
    assert host.snapshot.model(custom_model.id).name == "Team Llama (tuned)"


def test_blank_optional_fields_are_removed(client, simulator, custom_model):
    blank = {
        **VALID_EDIT,
        "description": "",
        "quantization": "",
        "parameters": "",
        "max_tokens_input": "",
        "max_tokens_output": "",
    }
    blank.pop("cpu")
    assert client.post(f"/models/{custom_model.id}/edit", data=blank).status_code == 303
    saved = upstream_model(simulator, custom_model.id)
    assert saved.description is None and saved.quantization is None and saved.parameters is None
    assert saved.max_tokens.input is None and saved.cpu is False


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "required"),
        ("name", "n" * 201, "At most 200"),
        ("name", "tab\x07bell", "Control characters"),
        ("description", "d" * 2001, "At most 2000"),
        ("version", "", "required"),
        ("version", "1.0 beta", "Only letters, digits and . _ + - (starting with a letter"),
        ("version", "+1", "Only letters, digits and . _ + - (starting with a letter"),
        ("quantization", "q4/../x", "Only letters, digits and . _ -</p>"),
        ("quantization", "q4+1", "Only letters, digits and . _ -</p>"),
        ("parameters", "eight", "Enter a number"),
        ("parameters", "-1", "above 0"),
        ("parameters", "nan", "above 0"),
        ("max_tokens_total", "1.5", "whole number"),
        ("max_tokens_total", "0", "above 0"),
        ("max_tokens_total", "999999999999", "above 0"),
        ("max_tokens_input", "20000", "more than the total"),
        ("capabilities", ["images", "telepathy"], "Unknown capability: telepathy"),
    ],
)
def test_invalid_field_is_422_naming_it_and_sends_nothing(
    client, simulator, custom_model, field, value, message
):
    response = client.post(f"/models/{custom_model.id}/edit", data={**VALID_EDIT, field: value})
    assert response.status_code == 422
    assert f'<p class="field-error" id="{field}-error">' in response.text
    assert message in response.text
    assert simulator.stats()["requests"].get("update", 0) == 0
    assert upstream_model(simulator, custom_model.id).name == custom_model.name


def test_models_that_are_not_custom_cannot_be_edited(client, simulator):
    model = next(model for model in upstream_models(simulator) if not model.custom)
    assert "/edit" not in client.get(f"/models/{model.id}").text
    for method in ("GET", "POST"):
        response = client.open(f"/models/{model.id}/edit", method=method, data=VALID_EDIT)
        assert response.status_code == 409
        assert "not a custom model" in response.text
    assert simulator.stats()["requests"].get("update", 0) == 0


def test_upstream_refusal_is_shown_with_the_form(client, simulator, custom_model):
    simulator.control(
        "POST", "faults", {"route": "update", "status": 500, "text": "disk is read-only"}
    )
    response = client.post(f"/models/{custom_model.id}/edit", data=VALID_EDIT)
    assert response.status_code < 500
    assert "Pieces OS answered 500: disk is read-only" in response.text
    assert 'value="Team Llama (tuned)"' in response.text  # what was typed is not lost


def test_editing_a_model_that_is_gone_is_404(client):
    response = client.get("/models/00000000-0000-0000-0000-000000000000/edit")
    assert response.status_code == 404 and "no longer exists" in response.text
