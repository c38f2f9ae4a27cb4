"""Server-side sessions: they end on logout, a new password or role, removal, idle time and
their lifetime; a copied cookie ends with them, and a new account never inherits one."""

import time

from tests.support.accounts import log_in
from tests.support.models import CONFIRMED
from webapp.accounts.sessions import SESSION_ID
from webapp.db import connect


def session_row(app, client) -> dict:
    with connect(app.config["DATABASE"]) as db:
        return dict(
            db.execute(
                "SELECT * FROM sessions WHERE id_hash = ?", (client.session_hash,)
            ).fetchone()
        )


def set_session_times(app, client, **times) -> None:
    """Move the session's ``created_at`` / ``seen_at`` (seconds ago)."""
    now = time.time()
    with connect(app.config["DATABASE"]) as db:
        for column, seconds_ago in times.items():
            db.execute(
                f"UPDATE sessions SET {column} = ? WHERE id_hash = ?",
                (now - seconds_ago, client.session_hash),
            )


def copy_of_cookie(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    with client.session_transaction() as session:
        session_id = session[SESSION_ID]
    thief = app.test_client(user=None)
    with thief.session_transaction() as session:
        session[SESSION_ID] = session_id
    return thief


class TestTimeouts:
    def test_using_a_session_keeps_it_alive_and_idling_ends_it(self, panel_factory):
        app = panel_factory(SESSION_IDLE_MINUTES=30)
        client = app.test_client(user="viewer")
        set_session_times(app, client, seen_at=29 * 60)
        assert client.get("/activity").status_code == 200
        assert session_row(app, client)["seen_at"] > time.time() - 60  # the visit counted
        set_session_times(app, client, seen_at=31 * 60)
        assert client.get("/activity").status_code == 302
        assert client.get("/activity").status_code == 302  # gone, not revived

    def test_a_busy_session_still_ends_at_its_lifetime(self, panel_factory):
        app = panel_factory(SESSION_LIFETIME_HOURS=2)
        client = app.test_client(user="viewer")
        set_session_times(app, client, created_at=2 * 3600 - 60)
        assert client.get("/activity").status_code == 200
        set_session_times(app, client, created_at=2 * 3600 + 1, seen_at=0)
        assert client.get("/activity").status_code == 302


class TestEndingSessions:
    def test_logout_ends_a_copied_cookie_too(self, panel):
        client = panel.test_client(user="viewer")
        thief = copy_of_cookie(panel, client)
        assert thief.get("/activity").status_code == 200
        client.post("/logout")
        assert thief.get("/activity").status_code == 302

    def test_a_new_password_ends_the_other_sessions(self, client, operator_client):
        response = client.post(
            "/users/operator/password",
            data={"password": "a brand new secret", "password_repeat": "a brand new secret"},
        )
        assert response.status_code == 303
        assert operator_client.get("/activity").status_code == 302
        assert client.get("/activity").status_code == 200

    def test_a_new_role_ends_the_sessions(self, client, operator_client):
        assert client.post("/users/operator/role", data={"role": "viewer"}).status_code == 303
        assert operator_client.get("/activity").status_code == 302

    def test_an_admin_changing_their_own_role_stays_logged_in(self, panel):
        """(Their own password is changed on the account page: tests/accounts/
        test_account_page.py.)"""
        client = panel.test_client(user="admin")
        client.post(
            "/users",
            data={
                "name": "second",
                "role": "admin",
                "password": "x" * 12,
                "password_repeat": "x" * 12,
            },
        )
        assert client.post("/users/admin/role", data={"role": "operator"}).status_code == 303
        assert client.get("/activity").status_code == 200

    def test_a_removed_accounts_cookie_does_not_let_a_new_account_in(self, client, panel):
        viewer = panel.test_client(user="viewer")  # the newest account: its id is the highest
        assert client.post("/users/viewer/remove", data=CONFIRMED).status_code == 303
        client.post(
            "/users",
            data={
                "name": "VIEWER",
                "role": "admin",
                "password": "x" * 12,
                "password_repeat": "x" * 12,
            },
        )
        with connect(panel.config["DATABASE"]) as db:
            assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1  # the admin's
        assert viewer.get("/activity").status_code == 302

    def test_the_cookie_holds_only_a_random_id(self, panel):
        client = panel.test_client(user="viewer")
        with client.session_transaction() as session:
            assert set(session) - {"_permanent"} == {SESSION_ID, "csrf_token"}


class TestLoginForm:
    def test_a_login_opens_a_session_row_and_logout_deletes_it(self, panel):
        client = panel.test_client(user=None)
        assert log_in(client, "viewer").status_code == 303
        with connect(panel.config["DATABASE"]) as db:
            assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
        with client.session_transaction() as session:
            token = session["csrf_token"]
        assert client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303
        with connect(panel.config["DATABASE"]) as db:
            assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0

    def test_session_cookie_flags(self, anonymous_client):
        cookie = log_in(anonymous_client, "viewer").headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    def test_session_cookie_is_secure_when_configured(self, panel_factory):
        client = panel_factory(SESSION_COOKIE_SECURE=True).test_client(user=None)
        assert "Secure" in log_in(client, "viewer").headers["Set-Cookie"]


def test_static_files_leave_the_cookie_alone(viewer_client):
    """An icon fetched while a form is sent must not put back the cookie as it was before the
    form's answer (its flash message would be lost)."""
    assert "Set-Cookie" not in viewer_client.get("/static/app.css").headers
    assert "Set-Cookie" in viewer_client.get("/activity").headers  # (a page renews it)
