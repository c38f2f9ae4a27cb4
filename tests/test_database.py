"""The database's schema has versions: one made by an older panel is upgraded on start without
losing anything, and one made by a newer panel is refused untouched."""

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from webapp.accounts.users import authenticate
from webapp.cli import main
from webapp.db import SCHEMA_VERSION, DatabaseTooNew, connect, prepare_database

BEFORE_VERSIONS = Path(__file__).parent / "fixtures" / "panel-before-schema-versions.sql"
TABLES = ("users", "sessions", "activity")


def database_from(dump: Path, path: Path) -> str:
    run(str(path), dump.read_text(), script=True)
    return str(path)


def run(path: str, sql: str, script: bool = False) -> list[tuple]:
    """Run ``sql`` on the file with nothing of the panel's in between; its rows."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        if script:
            connection.executescript(sql)
            return []
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def columns_of(path: str) -> dict[str, list[str]]:
    return {table: [row[1] for row in run(path, f"PRAGMA table_info({table})")] for table in TABLES}


def contents(path: str, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of the tables, in ``columns`` (those the tables had before an upgrade)."""
    return {
        table: run(path, f"SELECT {', '.join(columns[table])} FROM {table} ORDER BY 1")
        for table in TABLES
    }


def version_of(path: str) -> int:
    return run(path, "PRAGMA user_version")[0][0]


def made_by_a_newer_panel(tmp_path: Path) -> str:
    path = database_from(BEFORE_VERSIONS, tmp_path / "panel.sqlite")
    run(path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    return path


def test_a_database_made_before_schema_versions_is_upgraded_keeping_everything(tmp_path):
    path = database_from(BEFORE_VERSIONS, tmp_path / "panel.sqlite")
    columns = columns_of(path)
    before = contents(path, columns)
    assert version_of(path) == 0 and all(before.values())
    prepare_database(path)
    assert version_of(path) == SCHEMA_VERSION
    assert contents(path, columns) == before
    assert run(path, "SELECT count(*) FROM sign_in_addresses") == [(0,)]  # step 2
    # Step 3: nobody's password is taken for a generated one, nobody has logged in since.
    assert run(path, "SELECT DISTINCT password_generated, last_login_at FROM users") == [(0, None)]
    assert run(path, "SELECT count(*) FROM ended_sessions") == [(0,)]
    assert run(path, "SELECT count(*) FROM api_tokens") == [(0,)]  # step 5
    assert set(run(path, "SELECT via FROM activity")) == {(None,)}  # step 5
    db = connect(path)
    assert authenticate(db, "bob", "bob's long secret").role == "operator"
    assert (
        db.execute(
            "SELECT user_id FROM sessions WHERE id_hash = ?",
            (hashlib.sha256(b"bob-session").hexdigest(),),
        ).fetchone()[0]
        == 2
    )
    db.close()


def test_a_new_database_gets_the_latest_schema_and_starting_again_changes_nothing(tmp_path):
    path = str(tmp_path / "panel.sqlite")
    prepare_database(path)
    assert version_of(path) == SCHEMA_VERSION
    schema = run(path, "SELECT sql FROM sqlite_master ORDER BY name")
    prepare_database(path)
    assert run(path, "SELECT sql FROM sqlite_master ORDER BY name") == schema


def test_a_database_of_a_newer_panel_is_refused_and_left_as_it_was(tmp_path):
    path = made_by_a_newer_panel(tmp_path)
    file_before = Path(path).read_bytes()
    with pytest.raises(DatabaseTooNew, match="upgraded by a newer version of the panel"):
        prepare_database(path)
    assert Path(path).read_bytes() == file_before


def test_the_command_says_why_it_will_not_use_a_newer_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE", made_by_a_newer_panel(tmp_path))
    assert main(["users", "list"]) == 2
    assert "upgraded by a newer version of the panel" in capsys.readouterr().err


def test_a_folder_made_for_the_database_is_its_owners_alone_whatever_the_umask(tmp_path):
    previous = os.umask(0)
    try:
        prepare_database(str(tmp_path / "made" / "in" / "here" / "panel.sqlite"))
    finally:
        os.umask(previous)
    for folder in ("made", "made/in", "made/in/here"):
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700, folder


def test_step_4_gives_cancelled_downloads_their_own_outcome_and_keeps_the_rest(tmp_path):
    path = database_from(BEFORE_VERSIONS, tmp_path / "panel.sqlite")
    run(path, "PRAGMA user_version = 2")  # as a panel of schema version 2 left it
    run(path, "CREATE TABLE sign_in_addresses (user_id, address, last_at)")
    logged_then = [
        (10, "download", "failed", "Download cancelled by olga at 12 %."),
        (11, "download", "failed", "Download failed at 40 %."),
        (12, "cancel", "ok", "Pieces OS stopped the download."),
    ]
    for entry_id, action, outcome, detail in logged_then:
        run(
            path,
            "INSERT INTO activity (id, at, user, action, outcome, detail) VALUES"
            f" ({entry_id}, '2026-12-07T10:00:00+00:00', 'bob', '{action}', '{outcome}',"
            f" '{detail}')",
        )
    columns = columns_of(path)
    before = contents(path, columns)
    prepare_database(path)
    assert version_of(path) == SCHEMA_VERSION
    after = contents(path, columns)
    assert {table: rows for table, rows in after.items() if table != "activity"} == {
        table: rows for table, rows in before.items() if table != "activity"
    }
    outcomes = {row[0]: row[6] for row in after["activity"]}
    assert [outcomes[10], outcomes[11], outcomes[12]] == ["cancelled", "failed", "ok"]
    assert len(after["activity"]) == len(before["activity"])
    run(path, "UPDATE activity SET outcome = 'cancelled' WHERE id = 11")  # now allowed
    indexes = run(path, "SELECT name FROM sqlite_master WHERE tbl_name = 'activity'")
    assert {"activity_by_model", "activity_by_user"} <= {name for (name,) in indexes}
