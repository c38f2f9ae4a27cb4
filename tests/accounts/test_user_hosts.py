"""The hosts an operator acts on: the rules, the Users page and ``pieces-admin users``."""

import re

import pytest

from tests.accounts.test_users_cli import GOOD_PASSWORD, users_command
from tests.activity.test_activity import log_of
from tests.support.panel_fixtures import FLEET
from webapp.accounts.tokens import create_token, list_tokens
from webapp.accounts.users import (
    NotOperator,
    UnknownHost,
    add_user,
    find_user,
    forbidden_message,
    remove_user,
    set_role,
)
from webapp.db import connect

BUILD_BOX, GPU_1 = FLEET


@pytest.fixture
def db(panel_database):
    connection = connect(panel_database)
    yield connection
    connection.close()


def scope(db, name: str, role: str = "operator", hosts=None) -> None:
    set_role(db, name, role, hosts=hosts, known_hosts=FLEET, actor="admin")


class TestRules:
    def test_an_operator_limited_to_hosts_is_a_viewer_elsewhere(self, db):
        scope(db, "operator", hosts=[GPU_1, BUILD_BOX])
        user = find_user(db, "operator")
        assert user.hosts == (BUILD_BOX, GPU_1)
        assert user.can("act", BUILD_BOX) and user.can("act", GPU_1)
        assert not user.can("act", "gpu-2") and not user.can("act")
        assert user.role_on("gpu-2") == "viewer" and user.role_on(GPU_1) == "operator"
        assert forbidden_message(user, "act", "gpu-2") == (
            f"You are logged in as operator (operator on {BUILD_BOX} and {GPU_1}); you can act on"
            f" {BUILD_BOX} and {GPU_1} only, not on gpu-2."
        )
        assert "only admins can edit custom models" in forbidden_message(user, "edit", BUILD_BOX)

    @pytest.mark.parametrize("role", ["admin", "viewer"])
    def test_only_operators_are_limited(self, db, role):
        with pytest.raises(NotOperator, match=f"Only operators .* {role}s act on"):
            scope(db, "viewer", role, hosts=[GPU_1])
        assert find_user(db, "viewer").role == "viewer"  # nothing changed

    def test_a_host_the_fleet_lacks_is_refused_naming_those_it_has(self, db):
        with pytest.raises(
            UnknownHost, match=f"no host named 'gpu-2'; the hosts are: {BUILD_BOX}, {GPU_1}"
        ):
            scope(db, "operator", hosts=["gpu-2"])
        with pytest.raises(UnknownHost):
            add_user(
                db,
                "olga",
                "operator",
                GOOD_PASSWORD,
                actor="admin",
                hosts=["gpu-2"],
                known_hosts=FLEET,
            )
        assert find_user(db, "olga") is None and find_user(db, "operator").hosts == ()

    def test_a_new_role_drops_the_hosts_and_no_hosts_given_keeps_them(self, db):
        scope(db, "operator", hosts=[GPU_1])
        scope(db, "operator")  # (hosts=None: as they are)
        assert find_user(db, "operator").hosts == (GPU_1,)
        scope(db, "operator", "viewer")
        scope(db, "operator", "operator")
        assert find_user(db, "operator").hosts == ()  # an operator again: of every host

    def test_an_account_removed_leaves_no_hosts_behind(self, db):
        scope(db, "operator", hosts=[GPU_1])
        remove_user(db, "operator", actor="admin")
        assert db.execute("SELECT count(*) FROM user_hosts").fetchone()[0] == 0

    def test_changes_are_logged_and_narrowing_ends_the_tokens(self, db):
        def tokens() -> list[str]:
            return [token.name for token in list_tokens(db, find_user(db, "operator"))]

        create_token(db, find_user(db, "operator"), "ci", None, actor="tests")
        scope(db, "operator", hosts=[GPU_1])
        assert tokens() == []  # it may do less: its tokens may not do more
        create_token(db, find_user(db, "operator"), "ci", None, actor="tests")
        scope(db, "operator", hosts=[GPU_1, BUILD_BOX])
        scope(db, "operator", hosts=[])
        assert tokens() == ["ci"]  # more hosts, then every host
        details = [entry["detail"] for entry in log_of_db(db, "set-role")]
        assert details == [
            f"Changed operator from operator on every host to operator on {GPU_1};"
            " their API tokens ended.",
            f"Changed operator from operator on {GPU_1} to operator on {BUILD_BOX} and {GPU_1}.",
            f"Changed operator from operator on {BUILD_BOX} and {GPU_1} to operator on every host.",
        ]


def log_of_db(db, action: str) -> list:
    return db.execute("SELECT * FROM activity WHERE action = ? ORDER BY id", (action,)).fetchall()


def host_boxes(html: str, form_action: str) -> dict[str, bool]:
    """The host checkboxes of a form: host -> ticked."""
    form = re.search(rf'action="{form_action}".*?</form>', html, re.S)[0]
    boxes = re.findall(r'name="hosts" value="([^"]+)"( checked)?', form)
    return {host: bool(checked) for host, checked in boxes}


class TestUsersPage:
    def test_each_account_shows_where_it_acts_and_an_operators_hosts_can_be_ticked(
        self, fleet_panel
    ):
        with connect(fleet_panel.config["DATABASE"]) as db:
            scope(db, "operator", hosts=[GPU_1])
        page = fleet_panel.test_client().get("/users").text
        acts_on = dict(
            re.findall(
                r'<td data-label="Name">(\w+).*?<td data-label="Acts on">(.*?)</td>', page, re.S
            )
        )
        assert acts_on == {
            "admin": "every host",
            "operator": GPU_1,
            "viewer": "no host",
        }
        assert host_boxes(page, "/users/operator/role") == {BUILD_BOX: False, GPU_1: True}
        assert host_boxes(page, "/users") == {BUILD_BOX: False, GPU_1: False}

    def test_the_role_form_sets_the_hosts_and_says_so(self, fleet_panel):
        client = fleet_panel.test_client()
        changed = client.post("/users/viewer/role", data={"role": "operator", "hosts": [GPU_1]})
        assert changed.status_code == 303
        page = client.get("/users").text
        assert f"viewer is now operator on {GPU_1}." in page
        cleared = client.post("/users/viewer/role", data={"role": "operator"})  # none ticked
        assert cleared.status_code == 303
        assert "viewer is now operator on every host." in client.get("/users").text
        details = [entry["detail"] for entry in log_of(fleet_panel, action="set-role")]
        assert details == [
            f"Changed viewer from viewer to operator on {GPU_1}.",
            f"Changed viewer from operator on {GPU_1} to operator on every host.",
        ]

    def test_a_user_is_added_on_some_hosts(self, fleet_panel):
        client = fleet_panel.test_client()
        form = {
            "name": "olga",
            "role": "operator",
            "hosts": [BUILD_BOX],
            "password": GOOD_PASSWORD,
            "password_repeat": GOOD_PASSWORD,
        }
        assert client.post("/users", data=form).status_code == 303
        assert f"Added olga as operator on {BUILD_BOX}." in client.get("/users").text

    def test_hosts_ticked_for_another_role_mean_nothing(self, fleet_panel):
        client = fleet_panel.test_client()
        assert (
            client.post(
                "/users/operator/role", data={"role": "viewer", "hosts": [GPU_1]}
            ).status_code
            == 303
        )
        with connect(fleet_panel.config["DATABASE"]) as db:
            assert find_user(db, "operator").hosts == ()

    def test_a_host_the_fleet_lacks_is_refused(self, fleet_panel):
        client = fleet_panel.test_client()
        refused = client.post("/users/operator/role", data={"role": "operator", "hosts": ["gpu-2"]})
        assert refused.status_code == 422
        assert (
            f"There is no host named &#39;gpu-2&#39;; the hosts are: {BUILD_BOX}, {GPU_1}."
            in refused.text
        )
        refused = client.post(
            "/users",
            data={
                "name": "olga",
                "role": "operator",
                "hosts": ["<b>x"],
                "password": GOOD_PASSWORD,
                "password_repeat": GOOD_PASSWORD,
            },
        )
        assert (
            refused.status_code == 422
            and "&lt;b&gt;x" in refused.text
            and "<b>x" not in refused.text
        )

    def test_one_host_offers_no_choice(self, client):
        page = client.get("/users").text
        assert 'name="hosts"' not in page and "every host" in page


class TestCommandLine:
    @pytest.fixture
    def fleet_database(self, tmp_path, monkeypatch):
        path = str(tmp_path / "panel.sqlite")
        monkeypatch.setenv("DATABASE", path)
        monkeypatch.setenv(
            "PIECES_OS_HOSTS", f"{BUILD_BOX}=http://127.0.0.1:9,{GPU_1}=http://127.0.0.1:10"
        )
        return path

    def test_add_set_and_list_the_hosts(self, fleet_database, monkeypatch, capsys):
        added = users_command(
            monkeypatch,
            "add",
            "bob",
            "--role",
            "operator",
            "--hosts",
            f"{BUILD_BOX},{GPU_1}",
            "--password-stdin",
            stdin=GOOD_PASSWORD,
        )
        assert added == 0
        assert f"Added bob as operator on {BUILD_BOX} and {GPU_1}." in capsys.readouterr().out
        assert users_command(monkeypatch, "set-role", "bob", "operator", "--hosts", GPU_1) == 0
        assert f"bob is now operator on {GPU_1}." in capsys.readouterr().out
        assert users_command(monkeypatch, "set-role", "bob", "operator") == 0  # keeps them
        assert users_command(monkeypatch, "list") == 0
        assert re.search(rf"bob\s+operator\s+acts on {GPU_1}\s+created", capsys.readouterr().out)
        for clear in (["--hosts", ""], ["--all-hosts"]):
            users_command(monkeypatch, "set-role", "bob", "operator", "--hosts", GPU_1)
            assert users_command(monkeypatch, "set-role", "bob", "operator", *clear) == 0
            assert "bob is now operator on every host." in capsys.readouterr().out
        users_command(monkeypatch, "list")
        assert re.search(r"bob\s+operator\s+acts on every host", capsys.readouterr().out)

    @pytest.mark.parametrize(
        "args, message",
        [
            (
                ["add", "carol", "--role", "operator", "--hosts", "gpu-2"],
                f"no host named 'gpu-2'; the hosts are: {BUILD_BOX}, {GPU_1}.",
            ),
            (["add", "carol", "--role", "admin", "--hosts", GPU_1], "Only operators are limited"),
            (["set-role", "bob", "viewer", "--hosts", GPU_1], "Only operators are limited"),
            (["set-role", "bob", "operator", "--hosts", "local"], "no host named 'local'"),
        ],
    )
    def test_refusals_say_why_before_asking_a_password(
        self, fleet_database, monkeypatch, capsys, args, message
    ):
        users_command(
            monkeypatch, "add", "bob", "--role", "operator", "--password-stdin", stdin=GOOD_PASSWORD
        )
        assert users_command(monkeypatch, *args) == 2  # (no password on stdin: never asked)
        assert message in capsys.readouterr().err

    def test_without_hosts_configured_the_one_host_is_local(self, tmp_path, monkeypatch, capsys):
        monkeypatch.setenv("DATABASE", str(tmp_path / "panel.sqlite"))
        monkeypatch.delenv("PIECES_OS_HOSTS", raising=False)
        users_command(
            monkeypatch, "add", "bob", "--role", "operator", "--password-stdin", stdin=GOOD_PASSWORD
        )
        assert users_command(monkeypatch, "set-role", "bob", "operator", "--hosts", "local") == 0
        assert users_command(monkeypatch, "set-role", "bob", "operator", "--hosts", "gpu-1") == 2
        assert "the hosts are: local." in capsys.readouterr().err
