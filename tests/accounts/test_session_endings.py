"""A session ended elsewhere: whoever comes back with it (a click, a page) lands on the login page
told why it ended and, after a click, that it was not done; logging in brings them back to the
page they were on."""

import pytest

from tests.support.accounts import log_in
from tests.support.models import CONFIRMED, HTMX, model_in_state, upstream_model

from .test_auth import login_target

NOT_DONE = "What you just did was not done: log in, then do it again."


def end_operator_session(client, how: str) -> None:
    """The admin ``client`` ends the operator's sessions ``how``."""
    if how == "role":
        response = client.post("/users/operator/role", data={"role": "viewer"})
    elif how == "password":
        secret = "a brand new secret"
        response = client.post(
            "/users/operator/password", data={"password": secret, "password_repeat": secret}
        )
    else:
        response = client.post("/users/operator/remove", data=CONFIRMED)
    assert response.status_code == 303


def login_page_says(client) -> str:
    return client.get("/login").text


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("role", "Your session has ended: admin changed your role to viewer."),
        ("password", "Your session has ended: admin set a new password for your account."),
    ],
)
def test_a_click_after_the_end_leads_to_the_login_page_saying_why_and_not_done(
    client, operator_client, simulator, how, why
):
    model = model_in_state(simulator, "downloaded")
    end_operator_session(client, how)
    response = operator_client.post(
        f"/models/{model.id}/load",
        data={"next": "/"},
        headers={**HTMX, "HX-Current-URL": "http://localhost/?q=phi&state=downloaded"},
    )
    assert response.status_code == 401
    assert login_target(response) == "/?q=phi&state=downloaded"
    assert f"{why} {NOT_DONE}" in login_page_says(operator_client)
    assert not upstream_model(simulator, model.id).loaded


def test_a_form_sent_without_javascript_comes_back_to_its_page(client, operator_client, simulator):
    model = model_in_state(simulator, "downloaded")
    end_operator_session(client, "role")
    response = operator_client.post(f"/models/{model.id}/load", data={"next": "/?q=phi"})
    assert response.status_code == 302 and login_target(response) == "/?q=phi"
    assert NOT_DONE in login_page_says(operator_client)


def test_a_form_without_next_comes_back_to_the_page_it_was_sent_from(client):
    client.post("/logout")
    for referrer, target in (
        ("http://localhost/users", "/users"),
        ("http://elsewhere.example/users", "/"),
    ):
        response = client.post("/users", data={"name": "x"}, headers={"Referer": referrer})
        assert login_target(response) == target


def test_after_a_logout_in_another_tab_a_click_says_so(operator_client, simulator):
    """Tabs of one browser share its cookie: the logout leaves its mark there."""
    model = model_in_state(simulator, "downloaded")
    operator_client.post("/logout")
    operator_client.post(f"/models/{model.id}/load", data={"next": "/"}, headers=HTMX)
    assert (
        "Your session has ended: you logged out, in this tab or another one of this browser. "
        + NOT_DONE
    ) in login_page_says(operator_client)
    assert "Your session has ended" not in login_page_says(operator_client)  # said once


def test_a_removed_account_is_told_so_and_not_asked_to_log_in_again(client, operator_client):
    end_operator_session(client, "remove")
    response = operator_client.get("/activity?user=sam")
    assert login_target(response) == "/activity?user=sam"
    said = login_page_says(operator_client)
    assert "Your session has ended: admin removed your account." in said
    assert "Log in to go back" not in said


def test_a_page_opened_after_the_end_offers_to_go_back_to_it(client, operator_client):
    end_operator_session(client, "role")
    assert login_target(operator_client.get("/activity")) == "/activity"
    assert "Log in to go back to the page you were on." in login_page_says(operator_client)


def test_logging_in_again_brings_the_person_back(client, operator_client):
    end_operator_session(client, "role")
    target = login_target(operator_client.get("/activity?outcome=failed"))
    operator_client.csrf_header = False  # the login form carries its own token
    response = log_in(operator_client, "operator", form={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == target


def test_an_ordinary_visitor_is_told_nothing_of_the_kind(anonymous_client):
    anonymous_client.post("/models/x/load", data={"next": "/"})
    assert "Your session has ended" not in login_page_says(anonymous_client)
