"""Every account changes its own password on /account: the current one first, the new one
twice; the account's other sessions end, this one goes on."""

import pytest

from tests.support.accounts import TEST_PASSWORD, WRONG_PASSWORD, log_in
from webapp.db import connect

NEW_PASSWORD = "a brand new secret"


def change(client, current=TEST_PASSWORD, new=NEW_PASSWORD, repeat=NEW_PASSWORD):
    return client.post(
        "/account/password",
        data={"current_password": current, "password": new, "password_repeat": repeat},
    )


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
def test_every_role_changes_its_own_password_and_its_other_sessions_end(panel, role):
    here, elsewhere = panel.test_client(user=role), panel.test_client(user=role)
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/activity").status_code == 200
    response = change(here)
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    assert "Your password is changed" in here.get("/account").text  # this session goes on
    assert elsewhere.get("/activity").status_code == 302  # the other one ended
    anonymous = panel.test_client(user=None)
    assert log_in(anonymous, role, TEST_PASSWORD).status_code == 401
    assert log_in(anonymous, role, NEW_PASSWORD).status_code == 303
    assert "Changed the password of" in here.get("/activity?action=set-password").text


@pytest.mark.parametrize(
    "form, status, message",
    [
        ({"current": WRONG_PASSWORD}, 403, "The current password is wrong"),
        ({"repeat": "something else entirely"}, 422, "The two passwords differ"),
        ({"new": "short", "repeat": "short"}, 422, "at least 10 characters"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(panel, form, status, message):
    client = panel.test_client(user="viewer")
    response = change(client, **form)
    assert response.status_code == status and message in response.text
    assert log_in(panel.test_client(user=None), "viewer", TEST_PASSWORD).status_code == 303


def test_the_page_needs_a_login_and_the_change_its_token(panel):
    assert panel.test_client(user=None).get("/account").status_code == 302
    forged = panel.test_client(user="viewer", csrf_header=False)
    assert change(forged).status_code == 400
    assert log_in(panel.test_client(user=None), "viewer", TEST_PASSWORD).status_code == 303


def test_the_navigation_leads_there(client):
    assert 'href="/account"' in client.get("/").text


def test_guessing_the_current_password_is_slowed_down_and_logged(panel):
    client = panel.test_client(user="viewer")
    answers = [change(client, current=f"{WRONG_PASSWORD} {n}") for n in range(8)]
    assert {answer.status_code for answer in answers[:5]} == {403}
    assert answers[-1].status_code == 429 and "Too many wrong passwords" in answers[-1].text
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert change(client).status_code == 429  # the right one waits too
    log = panel.test_client(user="admin").get("/activity?action=set-password").text
    assert "Wrong current password on the account page." in log


def test_a_generated_password_is_asked_to_be_replaced_on_every_page_until_it_is(panel):
    with connect(panel.config["DATABASE"]) as db:
        db.execute("UPDATE users SET password_generated = 1 WHERE name = 'admin'")
    admin, viewer = panel.test_client(user="admin"), panel.test_client(user="viewer")
    for path in ("/", "/activity", "/users"):
        page = admin.get(path).text
        assert "You still use the password generated when the panel first started" in page
        assert 'href="/account">set one of your own on your account page</a>' in page
    assert "password generated" not in viewer.get("/").text
    assert change(admin).status_code == 303
    assert "password generated" not in admin.get("/").text
