"""The JSON API's reading routes, with a token as a script sends it: what they answer matches
the simulator and the OpenAPI document, which itself is valid OpenAPI 3.1."""

import re
from urllib.parse import quote

import pytest
import requests
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.support.panel_page import DOWNLOADED
from webapp.accounts.tokens import create_token
from webapp.accounts.users import find_user
from webapp.activity.log import record
from webapp.db import connect


@pytest.fixture
def api(panel):
    """GET helpers of the API with a viewer's token."""
    db = connect(panel.config["DATABASE"])
    token = create_token(db, find_user(db, "viewer"), "script", None, actor="tests")
    client = panel.test_client(user=None)

    def get(path: str, **headers):
        return client.get("/api/v1" + path, headers={"Authorization": f"Bearer {token}", **headers})

    get.client = client
    return get


def conforms(api, answer, schema: str) -> dict:
    """The answer's JSON, checked against a schema of the API's own OpenAPI document."""
    document = api("/openapi.json").json
    Draft202012Validator({**document, "$ref": f"#/components/schemas/{schema}"}).validate(
        answer.json
    )
    return answer.json


def simulator_models(simulator) -> dict[str, dict]:
    listed = requests.get(simulator.url + "/models", timeout=10).json()["iterable"]
    return {model["id"]: model for model in listed}


def test_the_openapi_document_is_valid_and_lists_every_route(panel, api):
    document = api("/openapi.json").json
    validate(document)
    served = {
        re.sub(r"<any\([^)]*\):action_name>", "{action}", rule.rule)
        .removeprefix("/api/v1")
        .replace("<host>", "{host}")
        .replace("<model_id:model_id>", "{model_id}")
        for rule in panel.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api_docs.openapi"
    }
    assert served == set(document["paths"])


def test_hosts(api, simulator):
    (host,) = conforms(api, api("/hosts"), "HostList")["hosts"]
    version = requests.get(simulator.url + "/.well-known/version", timeout=10).text.strip()
    assert host == {"name": "local", "url": simulator.url, "reachable": True, "version": version}


def test_models_are_pieces_os_models(api, simulator):
    models = conforms(api, api("/hosts/local/models"), "ModelList")["models"]
    truth = simulator_models(simulator)
    assert {model["id"] for model in models} == set(truth)
    for model in models:
        for field in ("name", "cloud", "downloaded", "loaded"):
            assert model[field] == truth[model["id"]].get(field, False), (model["id"], field)


def test_one_model_by_its_id_as_one_path_segment(api, simulator):
    model = conforms(api, api(f"/hosts/local/models/{quote(DOWNLOADED, safe='')}"), "Model")
    assert model["id"] == DOWNLOADED and model["downloaded"] is True


@pytest.mark.parametrize(
    "path, status",
    [
        ("/hosts/nowhere/models", 404),
        ("/hosts/local/models/no-such-model", 404),
        ("/activity?after=-1", 400),
        ("/activity?limit=many", 400),
        ("/no-such-route", 404),
    ],
)
def test_errors_are_problem_documents(api, path, status):
    answer = api(path)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    problem = conforms(api, answer, "Problem")
    assert problem["status"] == status and problem["detail"]


def test_without_a_token_or_session_it_is_401_not_a_login_page(api):
    answer = api.client.get("/api/v1/hosts")
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert answer.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_logged_in_browser_may_read_it_with_its_session(operator_client):
    assert operator_client.get("/api/v1/hosts").json["hosts"][0]["name"] == "local"


def test_activity_oldest_first_after_an_entry_with_failed_login_names_hidden(panel, api):
    db = connect(panel.config["DATABASE"])
    first = record(db, user="olga", action="load", outcome="ok", model_id="m")
    record(db, user="typed-by-a-stranger", action="login", outcome="failed")
    record(db, user="olga", action="unload", outcome="ok", model_id="m", host="local")
    entries = conforms(api, api(f"/activity?after={first}&limit=2"), "EntryList")["entries"]
    assert [entry["action"] for entry in entries] == ["login", "unload"]
    assert entries[0]["user"] != "typed-by-a-stranger"
    assert [entry["host"] for entry in entries] == [None, "local"]  # (a login is of no host)


def test_a_host_that_does_not_answer_is_unreachable(api, simulator):
    simulator.control("POST", "faults", {"route": "list", "status": 500})
    assert api("/hosts").json["hosts"][0]["reachable"] is False
    assert api("/hosts/local/models").status_code == 502
