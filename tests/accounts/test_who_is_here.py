"""Who is here, on the Users page: each account's last login and open sessions, and "End session"
(admins only, CSRF-protected, logged); the last admin is not offered for removal."""

import re

import pytest

from tests.support.accounts import log_in
from webapp.db import connect

SESSION_FORM = re.compile(r'action="/users/(?P<name>[^/"]+)/sessions/(?P<ref>[0-9a-f]{16})/end"')


def end_forms(html: str) -> list[tuple[str, str]]:
    """(account, session ref) of every "End session" form on the page."""
    return [(match["name"], match["ref"]) for match in SESSION_FORM.finditer(html)]


def last_login_cell(html: str, name: str) -> str:
    row = re.search(rf'<td data-label="Name">{name}\b.*?</tr>', html, re.S)[0]
    return re.search(r'<td data-label="Last login"[^>]*>(.*?)</td>', row, re.S)[1]


def activity_of(panel, action: str) -> list[tuple[str, str]]:
    with connect(panel.config["DATABASE"]) as db:
        rows = db.execute(
            "SELECT user, detail FROM activity WHERE action = ? ORDER BY id", (action,)
        )
        return [tuple(row) for row in rows]


def test_each_accounts_last_login_and_open_sessions(panel, client, operator_client):
    html = client.get("/users", headers={"User-Agent": "TestBrowser/1.0"}).text
    assert "<time" in last_login_cell(html, "operator")
    assert last_login_cell(html, "viewer") == "never"
    assert end_forms(html) == [("operator", operator_client.session_hash[:16])]
    assert "this session (yours)" in html  # the admin's own: offered no "End session"


def test_a_session_shows_where_it_came_from(panel, anonymous_client, client):
    log_in(anonymous_client, "viewer", headers={"User-Agent": "Firefox<script>/128"})
    html = client.get("/users").text
    assert "Firefox&lt;script&gt;/128" in html and "<script>" not in html
    assert '<td data-label="From" class="mono">127.0.0.1</td>' in html


def test_ending_a_session_logs_it_out_and_is_logged(panel, client, operator_client):
    ref = operator_client.session_hash[:16]
    other_operator = panel.test_client(user="operator")  # another browser: goes on
    response = client.post(f"/users/operator/sessions/{ref}/end")
    assert response.status_code == 303 and response.headers["Location"] == "/users"
    assert "Ended a session of operator." in client.get("/users").text
    assert operator_client.get("/activity").status_code == 302
    assert other_operator.get("/activity").status_code == 200
    assert activity_of(panel, "end-session") == [
        ("admin", f"Ended a session of operator (session {ref}).")
    ]


@pytest.mark.parametrize(
    ("ref", "status", "message"),
    [
        ("0123456789abcdef", 404, "operator has no such open session"),
        ("not-a-session-id", 422, "A session is named by 16 hexadecimal digits"),
        ("0123456789ABCDEF", 422, "A session is named by 16 hexadecimal digits"),
    ],
)
def test_a_session_that_is_not_there_is_refused(client, operator_client, ref, status, message):
    response = client.post(f"/users/operator/sessions/{ref}/end")
    assert response.status_code == status and message in response.text
    assert operator_client.get("/activity").status_code == 200


def test_an_admin_ends_their_own_session_with_log_out(client):
    response = client.post(f"/users/admin/sessions/{client.session_hash[:16]}/end")
    assert response.status_code == 422 and "log out instead" in response.text
    assert client.get("/users").status_code == 200


def test_someone_elses_session_is_not_theirs_to_name(client, operator_client):
    response = client.post(f"/users/viewer/sessions/{operator_client.session_hash[:16]}/end")
    assert response.status_code == 404
    assert operator_client.get("/activity").status_code == 200


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_only_admins_see_sessions_or_end_them(panel, client, role):
    other = panel.test_client(user=role)
    ref = client.session_hash[:16]
    assert other.get("/users").status_code == 403
    assert other.post(f"/users/admin/sessions/{ref}/end").status_code == 403
    assert client.get("/users").status_code == 200


def test_ending_a_session_needs_the_csrf_token(panel, client, operator_client):
    forged = panel.test_client(user="admin", csrf_header=False)
    ref = operator_client.session_hash[:16]
    assert forged.post(f"/users/operator/sessions/{ref}/end").status_code == 400
    assert forged.get(f"/users/operator/sessions/{ref}/end").status_code == 405
    assert operator_client.get("/activity").status_code == 200


class TestLastAdmin:
    def test_the_last_admin_is_not_offered_for_removal(self, client):
        html = client.get("/users").text
        assert 'href="/users/operator/remove"' in html
        assert 'href="/users/admin/remove"' not in html
        assert "The last admin cannot be removed" in html

    def test_asking_to_remove_the_last_admin_is_refused_before_any_question(self, client):
        response = client.get("/users/admin/remove")
        assert response.status_code == 409
        assert "admin is the last admin" in response.text
        assert "Remove the account admin?" not in response.text
        assert 'name="confirmed"' not in response.text

    def test_with_a_second_admin_either_may_go(self, client):
        client.post("/users/operator/role", data={"role": "admin"})
        html = client.get("/users").text
        assert 'href="/users/admin/remove"' in html and 'href="/users/operator/remove"' in html
        assert "Remove the account admin?" in client.get("/users/admin/remove").text
