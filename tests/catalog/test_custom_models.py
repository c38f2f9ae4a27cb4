"""Adding and deleting custom models: admins only, validated like the edit form, deleting
confirmed first, both logged."""

import re

import pytest

from tests.activity.test_activity import log_of, only
from tests.catalog.test_cleanup import requests_to
from tests.support.models import CONFIRMED, HTMX, VALID_EDIT, model_in_state, upstream_models
from webapp.simulator.catalogue import model_id

CUSTOM = model_id("Acme Support Llama-3 8B (fine-tune)")


def test_an_admin_adds_a_custom_model(panel, client, simulator):
    form = client.get("/custom-models/new").text
    assert 'action="/custom-models/new"' in form and 'name="capabilities"' in form
    response = client.post("/custom-models/new", data=VALID_EDIT)
    assert response.status_code == 303
    added = next(model for model in upstream_models(simulator) if model.name == VALID_EDIT["name"])
    assert response.headers["Location"] == f"/models/{added.id}"
    assert (added.custom, added.cloud, added.version, added.quantization) == (
        True,
        False,
        "2.1.0",
        "q5_K_M",
    )
    assert added.capabilities == ("codebases", "documents") and added.max_tokens.total == 16384
    entry = only(log_of(panel, action="create-model"))
    assert (entry["user"], entry["model_id"], entry["model_name"], entry["outcome"]) == (
        "admin",
        added.id,
        added.name,
        "ok",
    )
    assert f"Added {added.name}." in client.get(response.headers["Location"]).text


def test_the_form_marks_its_required_fields(client):
    form = client.get("/custom-models/new").text
    labels = dict(re.findall(r'<label for="(\w+)">(.*?)</label>', form, re.S))
    marked = {field for field, text in labels.items() if "(required)" in text}
    assert marked == {"name", "version"}
    for field in marked:
        assert re.search(rf'<input id="{field}" [^>]*\brequired\b', form)


@pytest.mark.parametrize("field", ["name", "version"])
def test_the_server_still_refuses_a_required_field_left_empty(client, simulator, field):
    response = client.post("/custom-models/new", data={**VALID_EDIT, field: ""})
    assert response.status_code == 422 and "This field is required." in response.text
    assert requests_to(simulator, "create") == 0


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": ""}, "name"),
        ({"version": "1 0"}, "version"),
        ({"max_tokens_input": "99999"}, "max_tokens_input"),
        ({"capabilities": ["telepathy"]}, "capabilities"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_sent(panel, client, simulator, change, field):
    response = client.post("/custom-models/new", data={**VALID_EDIT, **change})
    assert response.status_code == 422 and f'id="{field}-error"' in response.text
    assert requests_to(simulator, "create") == 0
    assert only(log_of(panel, action="create-model"))["outcome"] == "refused"


def test_pieces_os_refusing_says_why(client, simulator):
    taken = {**VALID_EDIT, "name": "Acme Support Llama-3 8B (fine-tune)"}
    response = client.post("/custom-models/new", data=taken)
    assert response.status_code == 200 and "already exists" in response.text


def test_an_admin_deletes_a_custom_model_once_confirmed(panel, client, simulator):
    card = client.get(f"/models/{CUSTOM}").text
    assert f'href="/models/{CUSTOM}/delete?view=card&amp;next=' in card
    page = client.get(f"/models/{CUSTOM}/delete?next=/").text
    assert "Delete the custom model Acme Support Llama-3 8B (fine-tune)?" in page
    in_place = client.get(f"/models/{CUSTOM}/delete?view=card&next=/", headers=HTMX).text
    assert in_place.startswith(f'<article id="model-{CUSTOM}"') and 'hx-post="' in in_place

    refused = client.post(f"/models/{CUSTOM}/delete", headers=HTMX)
    assert refused.status_code == 400 and requests_to(simulator, "delete") == 0
    response = client.post(f"/models/{CUSTOM}/delete", data=CONFIRMED)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert CUSTOM not in {model.id for model in upstream_models(simulator)}
    assert f'id="model-{CUSTOM}"' not in client.get("/").text
    entry = only(log_of(panel, action="delete-model"))
    assert (entry["model_name"], entry["outcome"]) == ("Acme Support Llama-3 8B (fine-tune)", "ok")


def test_with_htmx_a_deletion_goes_back_to_the_list(client):
    response = client.post(f"/models/{CUSTOM}/delete", data=CONFIRMED, headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/"


def test_built_in_models_cannot_be_deleted(panel, client, simulator):
    model = model_in_state(simulator, "downloaded")
    assert f"/models/{model.id}/delete?" not in client.get(f"/models/{model.id}").text
    response = client.post(f"/models/{model.id}/delete", data=CONFIRMED, headers=HTMX)
    assert response.status_code == 409 and "is not a custom model" in response.text
    assert requests_to(simulator, "delete") == 0


@pytest.mark.parametrize("user", ["operator", "viewer"])
def test_only_admins_add_or_delete(panel, simulator, user):
    client = panel.test_client(user=user)
    assert "Add a custom model" not in client.get("/").text
    assert "Delete this custom model" not in client.get(f"/models/{CUSTOM}").text
    assert client.get("/custom-models/new").status_code == 403
    assert client.post("/custom-models/new", data=VALID_EDIT).status_code == 403
    assert client.get(f"/models/{CUSTOM}/delete").status_code == 403
    assert client.post(f"/models/{CUSTOM}/delete", data=CONFIRMED).status_code == 403
    assert requests_to(simulator, "create") + requests_to(simulator, "delete") == 0
