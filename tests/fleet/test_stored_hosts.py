"""Hosts kept in the database: seeded from PIECES_OS_HOSTS once, renamed with their log entries,
and the entries an older panel logged given to the first host."""

import pytest

from tests.test_database import BEFORE_VERSIONS, database_from, run
from webapp.config import ConfigError, settings_from_env
from webapp.db import connect, prepare_database
from webapp.fleet.names import HostError
from webapp.fleet.stored import (
    add_host,
    change_host,
    claim_unnamed_entries,
    readdress,
    remove_host,
    seed,
    stored_hosts,
)


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "panel.sqlite")
    prepare_database(path)
    connection = connect(path)
    yield connection
    connection.close()


def names(db) -> list[tuple[str, str]]:
    return [(host.name, host.url) for host in stored_hosts(db)]


def test_seeding_adds_what_is_missing_and_never_a_renamed_host_again(db):
    seed(db, [("a", "http://127.0.0.1:1"), ("b", "http://127.0.0.1:2")])
    change_host(db, "a", "alpha", "http://127.0.0.1:1", actor="admin")
    seed(
        db, [("a", "http://127.0.0.1:1"), ("b", "http://127.0.0.1:2"), ("c", "http://127.0.0.1:3")]
    )
    assert names(db) == [
        ("alpha", "http://127.0.0.1:1"),
        ("b", "http://127.0.0.1:2"),
        ("c", "http://127.0.0.1:3"),
    ]


def test_a_renamed_host_takes_its_log_entries_along(db):
    add_host(db, "a", "http://127.0.0.1:1", actor="admin")
    db.execute(
        "INSERT INTO activity (at, user, action, outcome, host)"
        " VALUES ('x', 'u', 'load', 'ok', 'a')"
    )
    change_host(db, "a", "alpha", "http://127.0.0.1:9", actor="admin")
    hosts = [row[0] for row in db.execute("SELECT host FROM activity ORDER BY id")]
    assert hosts == ["alpha", "alpha", "alpha"]  # added, the load, changed
    remove_host(db, "alpha", actor="admin")
    assert names(db) == []


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("ok", "http://user:secret@127.0.0.1:1"),
        ("Upper", "http://127.0.0.1:1"),
        ("a/b", "http://127.0.0.1:1"),
        ("x" * 33, "http://h"),
        ("ok", "ftp://127.0.0.1"),
        ("ok", "http://127.0.0.1:1?x=1"),
        ("-a", "http://h"),
    ],
)
def test_bad_names_and_addresses_are_refused(db, name, url):
    with pytest.raises(HostError):
        add_host(db, name, url, actor="admin")
    assert names(db) == []


def test_a_name_taken_twice_is_refused(db):
    add_host(db, "a", "http://127.0.0.1:1", actor="admin")
    with pytest.raises(HostError, match="already"):
        add_host(db, "a", "http://127.0.0.1:2", actor="admin")
    add_host(db, "b", "http://127.0.0.1:2", actor="admin")
    with pytest.raises(HostError, match="already"):
        change_host(db, "b", "a", "http://127.0.0.1:2", actor="admin")


def test_readdressing_moves_kept_hosts_of_those_names_only_and_logs_it(db):
    add_host(db, "sim-1", "http://127.0.0.1:1", actor="admin")
    add_host(db, "sim-2", "http://127.0.0.1:2", actor="admin")
    readdress(
        db,
        [("sim-1", "http://127.0.0.1:11"), ("sim-2", "http://127.0.0.1:2"), ("x", "http://h")],
        actor="olga (command line)",
    )
    assert names(db) == [("sim-1", "http://127.0.0.1:11"), ("sim-2", "http://127.0.0.1:2")]
    changes = db.execute("SELECT user, host FROM activity WHERE action = 'change-host'")
    assert [tuple(row) for row in changes] == [("olga (command line)", "sim-1")]


@pytest.mark.parametrize(
    "value",
    ["a", "a=ftp://x", "A=http://127.0.0.1:1", "a=http://h,a=http://g", ",", "a b=http://h"],
)
def test_pieces_os_hosts_must_be_names_with_addresses(value):
    with pytest.raises(ConfigError, match="PIECES_OS_HOSTS"):
        settings_from_env({"PIECES_OS_HOSTS": value})


def test_pieces_os_hosts_keeps_the_order_given():
    settings = settings_from_env({"PIECES_OS_HOSTS": " b=http://127.0.0.1:2 , a=http://h:1/ "})
    assert settings["PIECES_OS_HOSTS"] == (("b", "http://127.0.0.1:2"), ("a", "http://h:1"))


def test_entries_of_an_older_panel_belong_to_the_first_host_logins_to_none(tmp_path):
    path = database_from(BEFORE_VERSIONS, tmp_path / "panel.sqlite")
    actions_before = dict(run(path, "SELECT id, action FROM activity"))
    assert {"add-user", "download"} <= set(actions_before.values())
    prepare_database(path)
    connection = connect(path)
    claim_unnamed_entries(connection, "build-box")
    connection.close()
    hosts = dict(run(path, "SELECT id, host FROM activity"))
    for entry_id, action in actions_before.items():
        expected = None if action == "add-user" else "build-box"
        assert hosts[entry_id] == expected, action


def test_removing_a_host_ends_what_was_pending_on_it_and_nothing_elsewhere(db):
    add_host(db, "a", "http://127.0.0.1:1", actor="admin")
    add_host(db, "b", "http://127.0.0.1:2", actor="admin")
    for host in ("a", "b"):
        db.execute(
            "INSERT INTO activity (at, user, action, outcome, host)"
            " VALUES ('x', 'u', 'download', 'pending', ?)",
            (host,),
        )
    remove_host(db, "a", actor="admin")
    outcomes = db.execute(
        "SELECT host, outcome, detail FROM activity WHERE action = 'download' ORDER BY host"
    ).fetchall()
    assert [tuple(row)[:2] for row in outcomes] == [("a", "failed"), ("b", "pending")]
    assert "removed from the panel" in outcomes[0]["detail"]
