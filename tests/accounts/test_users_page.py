"""The Users page: what an admin can change, and what is refused."""

import re

import pytest

from tests.support.accounts import log_in
from tests.support.models import CONFIRMED

NEW_PASSWORD = "a perfectly fine password"
PASSWORDS = {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}


def roles_shown(html: str) -> dict[str, str]:
    """Account name -> the role selected in its row."""
    rows = re.findall(
        r'<td data-label="Name">([^<\s]+).*?<option value="(\w+)" selected>', html, re.S
    )
    return dict(rows)


def test_lists_every_account_with_its_role(client):
    html = client.get("/users").text
    assert roles_shown(html) == {"admin": "admin", "operator": "operator", "viewer": "viewer"}
    assert 'admin <span class="muted">(you)</span>' in html


def test_add_an_account_that_can_then_log_in(client, anonymous_client):
    response = client.post("/users", data={"name": "grace", "role": "operator", **PASSWORDS})
    assert response.status_code == 303 and response.headers["Location"] == "/users"
    page = client.get("/users").text
    assert "Added grace as operator." in page and roles_shown(page)["grace"] == "operator"
    assert log_in(anonymous_client, "grace", NEW_PASSWORD).status_code == 303


def test_change_a_role_and_a_password(client, anonymous_client):
    assert client.post("/users/viewer/role", data={"role": "operator"}).status_code == 303
    assert client.post("/users/viewer/password", data=PASSWORDS).status_code == 303
    page = client.get("/users").text
    assert "viewer is now operator." in page and "Changed the password of viewer." in page
    assert roles_shown(page)["viewer"] == "operator"
    assert log_in(anonymous_client, "viewer", NEW_PASSWORD).status_code == 303


def test_an_admin_changes_their_own_password_only_where_the_current_one_is_asked(
    client, anonymous_client
):
    refused = client.post("/users/admin/password", data=PASSWORDS)
    assert refused.status_code == 422 and "on your account page" in refused.text
    assert log_in(anonymous_client, "admin", NEW_PASSWORD).status_code == 401
    page = client.get("/users").text
    assert 'action="/users/admin/password"' not in page and 'href="/account"' in page


def test_remove_an_account_once_confirmed(client):
    page = client.get("/users").text
    assert 'href="/users/viewer/remove"' in page and 'action="/users/viewer/remove"' not in page
    question = client.get("/users/viewer/remove").text  # the button leads here, without JS too
    assert "Remove the account viewer?" in question and "logged out everywhere" in question
    assert 'action="/users/viewer/remove"' in question
    assert '<input type="hidden" name="confirmed" value="yes">' in question
    assert client.post("/users/viewer/remove", data=CONFIRMED).status_code == 303
    assert "viewer" not in roles_shown(client.get("/users").text)


def test_removing_an_account_unconfirmed_is_refused(client):
    response = client.post("/users/viewer/remove")
    assert response.status_code == 400 and "must be confirmed first" in response.text
    assert "viewer" in roles_shown(client.get("/users").text)
    assert client.get("/users/nobody/remove").status_code == 404


@pytest.mark.parametrize(
    "path, form, status, message",
    [
        ("/users", {"name": "viewer", "role": "viewer", **PASSWORDS}, 409, "already exists"),
        ("/users", {"name": "<script>", "role": "viewer", **PASSWORDS}, 422, "A user name is"),
        ("/users", {"name": "heidi", "role": "root", **PASSWORDS}, 422, "The role must be one of"),
        (
            "/users",
            {"name": "heidi", "role": "viewer", "password": "short", "password_repeat": "short"},
            422,
            "at least 10 characters",
        ),
        (
            "/users",
            {
                "name": "heidi",
                "role": "viewer",
                "password": NEW_PASSWORD,
                "password_repeat": NEW_PASSWORD + "!",
            },
            422,
            "The two passwords differ",
        ),
        ("/users/nobody/role", {"role": "admin"}, 404, "There is no user named"),
        ("/users/nobody/password", PASSWORDS, 404, "There is no user named"),
        ("/users/nobody/remove", CONFIRMED, 404, "There is no user named"),
        ("/users/viewer/role", {"role": "root"}, 422, "The role must be one of"),
        ("/users/admin/remove", CONFIRMED, 409, "admin is the last admin"),
        ("/users/admin/role", {"role": "viewer"}, 409, "admin is the last admin"),
    ],
)
def test_refused_changes_say_why(client, path, form, status, message):
    before = roles_shown(client.get("/users").text)
    response = client.post(path, data=form)
    assert response.status_code == status and message in response.text
    assert "<script>" not in response.text
    assert roles_shown(client.get("/users").text) == before


def test_what_was_typed_stays_in_the_form(client):
    response = client.post(
        "/users",
        data={"name": "ivan", "role": "operator", "password": "short", "password_repeat": "short"},
    )
    add_form = response.text.split("<h2>Add a user</h2>")[1]
    assert 'value="ivan"' in add_form and '<option value="operator" selected>' in add_form
    assert 'value="short"' not in response.text  # passwords are never sent back


def test_a_second_admin_lets_the_first_step_down(client):
    client.post("/users/operator/role", data={"role": "admin"})
    assert client.post("/users/admin/role", data={"role": "viewer"}).status_code == 303
    assert client.get("/users").status_code == 403  # the change applies at once
