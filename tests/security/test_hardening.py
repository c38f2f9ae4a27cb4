"""Limits and defaults no visitor can exploit: request body size, private files, HSTS, no-store,
403 refusals in the log, and failed-login names for admins only."""

import os
import stat
import threading

import pytest

from tests.support.accounts import WRONG_PASSWORD, log_in
from webapp.accounts import users
from webapp.accounts.users import LastAdmin, authenticate, set_role
from webapp.db import connect


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class TestRequestBodies:
    def test_a_body_over_the_limit_is_refused_before_anybody_logs_in(self, panel_factory):
        client = panel_factory(MAX_REQUEST_KB=4).test_client(user=None)
        response = client.post("/login", data={"name": "x" * 5000, "password": "y"})
        assert response.status_code == 413
        assert "larger than the 4 KB the panel accepts" in response.text

    def test_a_body_within_the_limit_is_read(self, panel_factory):
        client = panel_factory(MAX_REQUEST_KB=4).test_client(user=None)
        assert log_in(client, "viewer", form={"padding": "x" * 3000}).status_code == 303


class TestPrivateFiles:
    def test_the_database_is_created_readable_by_its_owner_only(self, panel_factory, tmp_path):
        path = tmp_path / "new" / "panel.sqlite"
        app = panel_factory(DATABASE=str(path))
        with app.app_context():
            app.test_client(user=None).get("/login")
            with connect(str(path)) as db:  # while open, SQLite has its -wal and -shm files
                db.execute("SELECT count(*) FROM users").fetchone()
                for name in (path, f"{path}-wal", f"{path}-shm"):
                    assert mode_of(name) == 0o600, name

    def test_a_database_made_before_is_made_private(self, panel_factory, panel_database):
        os.chmod(panel_database, 0o644)
        panel_factory()
        assert mode_of(panel_database) == 0o600


class TestHeaders:
    def test_hsts_only_when_served_over_https(self, panel_factory):
        plain = panel_factory().test_client(user=None).get("/login")
        assert "Strict-Transport-Security" not in plain.headers
        secure = panel_factory(SESSION_COOKIE_SECURE=True).test_client(user=None).get("/login")
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=")

    def test_pages_behind_the_login_are_never_stored(self, viewer_client):
        for path in ("/", "/activity"):
            assert viewer_client.get(path).headers["Cache-Control"] == "no-store", path

    def test_the_login_form_and_its_token_are_never_stored_either(self, anonymous_client):
        for path in ("/login", "/healthz", "/no-such-page"):
            assert anonymous_client.get(path).headers["Cache-Control"] == "no-store", path
        assert "no-store" not in anonymous_client.get("/static/app.css").headers.get(
            "Cache-Control", ""
        )


class TestRefusalsAreLogged:
    def test_a_403_is_in_the_activity_log(self, panel, viewer_client):
        assert viewer_client.get("/users").status_code == 403
        log = panel.test_client(user="admin").get("/activity?action=access").text
        assert "GET /users" in log and "outcome-refused" in log and ">viewer<" in log


class TestFailedLoginNames:
    def test_only_admins_see_the_name_typed(self, panel, anonymous_client):
        log_in(anonymous_client, "my-secret-password", WRONG_PASSWORD)
        for role, shown in (("viewer", False), ("operator", False), ("admin", True)):
            client = panel.test_client(user=role)
            page = client.get("/activity?action=login").text
            assert ("my-secret-password" in page) is shown, role
            found = client.get("/activity?user=my-secret-password&logins=shown").text
            assert ("my-secret-password</td>" in found) is shown, role


class TestPasswords:
    @pytest.fixture
    def hashes_checked(self, monkeypatch):
        checked = []
        original = users.check_password_hash
        monkeypatch.setattr(
            users, "check_password_hash", lambda *args: checked.append(1) or original(*args)
        )
        return checked

    def test_an_unknown_name_costs_a_hash_check_too(self, panel, hashes_checked):
        with panel.app_context(), connect(panel.config["DATABASE"]) as db:
            assert authenticate(db, "nobody", "some password") is None
        assert hashes_checked == [1]

    def test_an_overlong_password_is_not_hashed(self, panel, hashes_checked):
        with connect(panel.config["DATABASE"]) as db:
            assert authenticate(db, "viewer", "x" * (users.MAX_PASSWORD_LENGTH + 1)) is None
        assert hashes_checked == []


def test_two_admins_demoting_each_other_at_once_leave_one_admin(panel, monkeypatch):
    """The last-admin check and the change hold the write lock together (BEGIN IMMEDIATE):
    otherwise both would see two admins, and the second change would fail with an error."""
    panel.test_client().post(
        "/users",
        data={"name": "second", "role": "admin", "password": "x" * 12, "password_repeat": "x" * 12},
    )
    both_checked = threading.Barrier(2)
    check = users._refuse_if_last_admin

    def check_then_wait_for_the_other(db, user):
        check(db, user)
        try:
            both_checked.wait(timeout=1)  # with the lock held, the other cannot get here
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(users, "_refuse_if_last_admin", check_then_wait_for_the_other)
    outcomes = []

    def demote(name: str) -> None:
        db = connect(panel.config["DATABASE"])
        try:
            set_role(db, name, "viewer", actor="tests")
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001 - which error is what the test looks at
            outcomes.append(type(error).__name__)
        finally:
            db.close()

    threads = [threading.Thread(target=demote, args=(name,)) for name in ("admin", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["ok", LastAdmin.__name__])
