"""CSRF tokens: every state-changing request needs the session's token, or nothing happens."""

import re

import pytest

from tests.support.accounts import TEST_PASSWORD
from tests.support.models import (
    CONFIRMED,
    HTMX,
    model_in_state,
    sent_upstream,
    upstream_model,
    upstream_models,
)
from webapp.security import csrf

MISSING_OR_WRONG = [{}, {csrf.HEADER: "not-the-token"}, {csrf.HEADER: ""}]
REFUSAL = "security token is missing or out of date"
POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*>(.*?)</form>', re.S)


@pytest.fixture
def forger(panel):
    """The admin's logged-in session, sending only the token its requests set: what a page on
    another site can make the admin's browser send (the cookie, but not the token)."""
    return panel.test_client(csrf_header=False)


@pytest.mark.parametrize("headers", MISSING_OR_WRONG)
@pytest.mark.parametrize("htmx", [True, False])
def test_an_action_without_the_token_is_400_and_sends_nothing(forger, simulator, headers, htmx):
    model = model_in_state(simulator, "downloaded")
    before = sent_upstream(simulator)
    response = forger.post(
        f"/models/{model.id}/load",
        data={"next": "/"},
        headers={**headers, **(HTMX if htmx else {})},
    )
    assert response.status_code == 400 and REFUSAL in response.text
    assert sent_upstream(simulator) == before
    assert not upstream_model(simulator, model.id).loaded


def test_a_wrong_form_field_is_refused_too(forger, simulator):
    model = model_in_state(simulator, "downloaded")
    response = forger.post(f"/models/{model.id}/load", data={"next": "/", "csrf_token": "guessed"})
    assert response.status_code == 400
    assert simulator.stats()["requests"]["load"] == 0


def test_the_form_field_works_without_javascript(forger, simulator):
    model = model_in_state(simulator, "downloaded")
    response = forger.post(
        f"/models/{model.id}/load", data={"next": "/", "csrf_token": forger.csrf_token}
    )
    assert response.status_code == 303 and upstream_model(simulator, model.id).loaded


def test_the_header_works_for_htmx(client, simulator):
    model = model_in_state(simulator, "downloaded")
    response = client.post(
        f"/models/{model.id}/load",
        data={"next": "/"},
        headers={**HTMX, csrf.HEADER: client.csrf_token},
    )
    assert response.status_code == 200 and upstream_model(simulator, model.id).loaded


def test_an_edit_without_the_token_changes_nothing(forger, simulator):
    custom = next(model for model in upstream_models(simulator) if model.custom)
    response = forger.post(f"/models/{custom.id}/edit", data={"name": "Renamed", "version": "1"})
    assert response.status_code == 400
    assert simulator.stats()["requests"]["update"] == 0
    assert upstream_model(simulator, custom.id).name == custom.name


def test_account_changes_without_the_token_change_nothing(client, forger):
    password = {"password": "long enough pw", "password_repeat": "long enough pw"}
    for path, form in [
        ("/users", {"name": "mallory", "role": "admin", **password}),
        ("/users/viewer/role", {"role": "admin"}),
        ("/users/viewer/password", password),
        ("/users/viewer/remove", CONFIRMED),
    ]:
        assert forger.post(path, data=form).status_code == 400, path
    users = client.get("/users").text
    assert "mallory" not in users
    assert re.search(r'<option value="viewer" selected>', users)


def test_login_and_logout_need_the_token(forger, anonymous_client):
    login = anonymous_client.post("/login", data={"name": "viewer", "password": TEST_PASSWORD})
    assert login.status_code == 400 and anonymous_client.get("/").status_code == 302
    assert forger.post("/logout").status_code == 400
    assert forger.get("/activity").status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_every_state_changing_method_needs_it(panel, method):
    panel.add_url_rule("/changes-for-tests", "changes", lambda: "changed", methods=[method])
    client = panel.test_client()
    assert (
        client.open("/changes-for-tests", method=method, headers={csrf.HEADER: "wrong"}).status_code
        == 400
    )
    assert client.open("/changes-for-tests", method=method).text == "changed"


def test_the_token_lasts_as_long_as_the_session(client, simulator):
    first = client.get("/activity").text
    for action in ("load", "unload"):
        model = model_in_state(simulator, "downloaded" if action == "load" else "loaded")
        assert (
            client.post(
                f"/models/{model.id}/{action}", headers=HTMX, data={"next": "/"}
            ).status_code
            == 200
        )
    assert csrf_field_values(client.get("/activity").text) == csrf_field_values(first)


def csrf_field_values(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_pages_carry_the_token_for_htmx_and_for_every_form(client, simulator):
    custom = next(model for model in upstream_models(simulator) if model.custom)
    token = client.csrf_token
    for path in ("/", f"/models/{custom.id}", f"/models/{custom.id}/edit", "/users", "/activity"):
        html = client.get(path).text
        assert f'<body hx-headers:inherited=\'{{"X-CSRF-Token": "{token}"}}\'>' in html, path
        forms = POST_FORM.findall(html)
        assert forms, path
        for form in forms:
            assert f'<input type="hidden" name="csrf_token" value="{token}">' in form, path
