"""Odd models the real product may serve: no `type`, null or unknown enums, ids of any shape.
The official SDK decodes a missing or unknown enum as UNKNOWN and accepts any id string; the
simulator's routes accept any id sent percent-encoded as one path segment."""

from urllib.parse import quote

import pytest
import requests
from pieces_os_client.models.model import Model
from pieces_os_client.models.models import Models

from webapp.simulator.catalogue import initial_models, model_id

TEMPLATE = next(m for m in initial_models() if m["name"] == "Phi-3-mini-4k-instruct")
ODD_IDS = [
    "llama3.1:8b-instruct-q4_K_S",
    "team/support-llama",
    "model with spaces (v2)",
    "modèle-ünïcode-模型",
    "50%off",
    "a%2Fb literally",
    "v1.2.3",
]


def add(simulator, model: dict) -> None:
    assert simulator.control("POST", "models", model).status_code == 200


def path_of(identifier: str) -> str:
    return "/model/" + quote(identifier, safe="")


@pytest.mark.parametrize("identifier", ODD_IDS)
def test_every_route_works_for_an_id_of_another_shape(simulator, identifier):
    add(simulator, TEMPLATE | {"id": identifier, "name": f"odd {identifier}"})
    url = simulator.url + path_of(identifier)
    assert Model.from_dict(requests.get(url, timeout=5).json()).id == identifier
    loaded = requests.post(f"{url}/load", timeout=5)
    assert loaded.status_code == 200 and loaded.json()["loaded"] is True
    assert requests.post(f"{url}/unload", timeout=5).json()["id"] == identifier
    progress = simulator.open_progress(identifier)
    simulator.control("POST", f"progress/{quote(identifier, safe='')}", {"frame": "marker"})
    assert progress.next_text() == "marker"
    cache = requests.post(
        f"{simulator.url}/models/{quote(identifier, safe='')}/delete/cache", json={}, timeout=5
    )
    assert cache.json() == {"model": {"id": identifier}}


def test_a_slash_id_is_not_confused_with_a_routes_tail(simulator):
    add(simulator, TEMPLATE | {"id": "x/load", "name": "tricky"})
    assert requests.get(simulator.url + path_of("x/load"), timeout=5).json()["name"] == "tricky"
    # Unencoded, the slash still separates segments: this is GET on the load route.
    assert requests.get(f"{simulator.url}/model/x/load", timeout=5).status_code == 405


@pytest.mark.parametrize(
    "change",
    [
        {"type": None},
        {"usage": None},
        {"type": "TELEPATHY"},
        {"usage": "CHAT"},
        {"foundation": "GPT_9"},
        {"provider": "MISTRAL_AI"},
    ],
    ids=repr,
)
def test_models_with_odd_enums_decode_as_unknown(simulator, change):
    odd = TEMPLATE | {"id": "odd-enum", "name": "odd enum"} | change
    add(simulator, odd)
    listed = requests.get(f"{simulator.url}/models", timeout=5).json()
    decoded = Models.from_dict(listed)  # one odd model does not take the list down
    assert len(decoded.iterable) == len(initial_models()) + 1
    odd_decoded = decoded.iterable[-1]
    ((key, value),) = change.items()
    assert listed["iterable"][-1][key] == value  # served exactly as put
    assert getattr(odd_decoded, key).value == "UNKNOWN"


@pytest.mark.parametrize("missing", ["type", "usage"])
def test_a_model_lacking_an_enum_decodes_as_unknown(simulator, missing):
    odd = {key: value for key, value in TEMPLATE.items() if key != missing}
    add(simulator, odd | {"id": "no-enum", "name": "no enum"})
    served = requests.get(simulator.url + path_of("no-enum"), timeout=5).json()
    assert missing not in served
    assert getattr(Model.from_dict(served), missing).value == "UNKNOWN"


@pytest.mark.parametrize("body", [[], "model", None])
def test_adding_anything_but_an_object_is_400(simulator, body):
    response = simulator.control("POST", "models", body)
    assert response.status_code == 400 and response.text


def test_catalogue_ids_still_route(simulator):
    identifier = model_id("Phi-3-mini-4k-instruct")
    assert requests.get(simulator.url + path_of(identifier), timeout=5).status_code == 200
