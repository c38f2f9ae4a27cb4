"""`pieces-admin users ...` and the first admin account that `serve` creates."""

import io
import re
import subprocess
import sys
import threading

import pytest

from tests.support.commands import Command, free_port
from tests.support.servers import REPO_ROOT
from webapp.accounts.cli import first_admin_notice
from webapp.accounts.users import authenticate, create_first_admin, find_user, list_users
from webapp.cli import main
from webapp.db import connect, prepare_database

GOOD_PASSWORD = "a long enough password"


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    """An empty database that the command uses (through the DATABASE setting)."""
    path = str(tmp_path / "panel.sqlite")
    monkeypatch.setenv("DATABASE", path)
    return path


def users_command(monkeypatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["users", *args])


def accounts(path: str) -> dict[str, str]:
    db = connect(path)
    try:
        return {user.name: user.role for user in list_users(db)}
    finally:
        db.close()


def password_works(path: str, name: str, password: str) -> bool:
    db = connect(path)
    try:
        return authenticate(db, name, password) is not None
    finally:
        db.close()


def test_add_list_change_and_remove(database, monkeypatch, capsys):
    assert (
        users_command(
            monkeypatch,
            "add",
            "alice",
            "--role",
            "operator",
            "--password-stdin",
            stdin=GOOD_PASSWORD + "\n",
        )
        == 0
    )
    assert (
        users_command(
            monkeypatch, "add", "bob", "--role", "admin", "--password-stdin", stdin=GOOD_PASSWORD
        )
        == 0
    )
    assert accounts(database) == {"alice": "operator", "bob": "admin"}
    assert password_works(database, "alice", GOOD_PASSWORD)

    assert users_command(monkeypatch, "list") == 0
    listing = capsys.readouterr().out
    assert re.search(r"alice\s+operator", listing) and re.search(r"bob\s+admin", listing)

    assert users_command(monkeypatch, "set-role", "alice", "viewer") == 0
    assert (
        users_command(
            monkeypatch, "passwd", "alice", "--password-stdin", stdin="another good password\n"
        )
        == 0
    )
    assert password_works(database, "alice", "another good password")
    assert not password_works(database, "alice", GOOD_PASSWORD)
    assert users_command(monkeypatch, "remove", "alice") == 0
    assert accounts(database) == {"bob": "admin"}


def test_the_password_prompt_asks_twice(database, monkeypatch):
    answers = iter([GOOD_PASSWORD, GOOD_PASSWORD, GOOD_PASSWORD, "a different one!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert users_command(monkeypatch, "add", "carol", "--role", "viewer") == 0
    assert password_works(database, "carol", GOOD_PASSWORD)
    assert users_command(monkeypatch, "passwd", "carol") == 2
    assert password_works(database, "carol", GOOD_PASSWORD)


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["add", "dave", "--role", "viewer", "--password-stdin"], "short", "at least 10"),
        (["add", "dave", "--role", "viewer", "--password-stdin"], "\n", "at least 10"),
        (["add", "bad name", "--role", "viewer", "--password-stdin"], GOOD_PASSWORD, "user name"),
        (["add", "ADMIN", "--role", "viewer", "--password-stdin"], GOOD_PASSWORD, "already exists"),
        (["set-role", "nobody", "admin"], "", "no user named 'nobody'"),
        (["passwd", "nobody", "--password-stdin"], GOOD_PASSWORD, "no user named 'nobody'"),
        (["remove", "nobody"], "", "no user named 'nobody'"),
        (["remove", "admin"], "", "last admin"),
        (["set-role", "admin", "operator"], "", "last admin"),
    ],
)
def test_refusals_exit_2_and_say_why(database, monkeypatch, capsys, args, stdin, message):
    users_command(
        monkeypatch, "add", "admin", "--role", "admin", "--password-stdin", stdin=GOOD_PASSWORD
    )
    before = accounts(database)
    assert users_command(monkeypatch, *args, stdin=stdin) == 2
    assert message in capsys.readouterr().err
    assert accounts(database) == before


@pytest.mark.parametrize(
    "args",
    [
        ["add", "erin", "--role", "superuser"],
        ["add", "erin"],
        ["set-role", "admin", "root"],
        ["frobnicate"],
    ],
)
def test_bad_arguments_exit_2(database, monkeypatch, capsys, args):
    with pytest.raises(SystemExit) as exited:
        users_command(monkeypatch, *args)
    assert exited.value.code == 2 and "usage:" in capsys.readouterr().err


@pytest.mark.integration  # (a `python -m webapp` process)
def test_as_a_person_runs_it(tmp_path):
    """The real command in its own process: password on stdin, exit status, messages."""
    env = {"DATABASE": str(tmp_path / "panel.sqlite"), "PATH": "/usr/bin:/bin"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "webapp", "users", *args],
            cwd=REPO_ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    added = run("add", "frank", "--role", "admin", "--password-stdin", stdin=GOOD_PASSWORD)
    assert added.returncode == 0 and "Added frank as admin." in added.stdout
    duplicate = run("add", "frank", "--role", "viewer", "--password-stdin", stdin=GOOD_PASSWORD)
    assert duplicate.returncode == 2
    assert "pieces-admin: A user named 'frank' already exists." in duplicate.stderr
    assert GOOD_PASSWORD not in added.stdout + added.stderr


class TestFirstAdmin:
    def test_created_once_and_only_when_there_is_no_account(self, tmp_path):
        path = str(tmp_path / "panel.sqlite")
        prepare_database(path)
        db = connect(path)
        password = create_first_admin(db)
        assert len(password) >= 10 and create_first_admin(db) is None
        assert find_user(db, "admin").role == "admin"
        assert authenticate(db, "admin", password) is not None
        db.close()

    def test_many_processes_starting_at_once_make_one_account(self, tmp_path):
        path = str(tmp_path / "panel.sqlite")
        prepare_database(path)
        passwords, errors = [], []

        def start():
            db = connect(path)
            try:
                passwords.append(create_first_admin(db))
            except Exception as error:  # any error at all fails the test
                errors.append(error)
            finally:
                db.close()

        starters = [threading.Thread(target=start) for _ in range(4)]
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join()
        assert errors == []
        assert len([password for password in passwords if password]) == 1
        assert list(accounts(path)) == ["admin"]

    def test_serve_prints_it_once_before_the_server_starts(self, tmp_path, simulator):
        env = {
            "DATABASE": str(tmp_path / "panel.sqlite"),
            "PORT": str(free_port()),
            "PIECES_OS_URL": simulator.url,
        }
        first = Command("serve", **env)
        try:
            output = first.wait_for("Listening at")
        finally:
            first.kill()
        assert output.count("password: ") == 1
        assert output.index("password: ") < output.index("Listening at")
        password = re.search(r"password: (\S+)", output).group(1)
        assert password_works(env["DATABASE"], "admin", password)

        again = Command("serve", **env)
        try:
            assert "password: " not in again.wait_for("Listening at")
        finally:
            again.kill()


class TestFirstAdminPassword:
    """The generated password: the terminal and the README say where to change it, and the
    panel asks the admin to, until they have."""

    def test_the_terminal_names_the_account_page_as_the_readme_does(self, database):
        notice = first_admin_notice()
        readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
        assert "set a new one on your account page\n(your name, top right)" in notice
        assert "set a new password on your account page (your name, top right)" in readme
        assert "Users page" not in notice

    def test_it_is_marked_until_replaced_from_the_panel_or_the_command(self, database, monkeypatch):
        first_admin_notice()
        db = connect(database)
        try:
            assert find_user(db, "admin").password_generated
            assert (
                users_command(
                    monkeypatch, "passwd", "admin", "--password-stdin", stdin=GOOD_PASSWORD + "\n"
                )
                == 0
            )
            assert not find_user(db, "admin").password_generated
        finally:
            db.close()
