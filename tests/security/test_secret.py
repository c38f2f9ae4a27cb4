"""The session-signing key: from SECRET_KEY, or made once in the instance folder and kept."""

import stat

import pytest

from webapp.security import secret
from webapp.security.secret import KEY_FILE_NAME, load_or_create_key


def test_a_configured_key_is_used_and_nothing_is_written(panel_factory, tmp_path):
    app = panel_factory(SECRET_KEY="from-the-environment", INSTANCE_PATH=str(tmp_path / "i"))
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "i" / KEY_FILE_NAME).exists()


def test_without_one_a_key_is_made_once_and_kept(panel_factory, tmp_path):
    instance = tmp_path / "instance"
    first = panel_factory(SECRET_KEY=None, INSTANCE_PATH=str(instance))
    key_file = instance / KEY_FILE_NAME
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = panel_factory(SECRET_KEY=None, INSTANCE_PATH=str(instance))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert [path.name for path in instance.iterdir()] == [KEY_FILE_NAME]  # no temporary left


def test_a_worker_that_loses_the_race_uses_the_winners_key(tmp_path, monkeypatch):
    """Another worker writes the file while this one is making its own key."""
    key_file = tmp_path / KEY_FILE_NAME
    made_here = secret.secrets.token_hex

    def other_worker_wins(size):
        key_file.write_text("the-winners-key")
        return made_here(size)

    monkeypatch.setattr(secret.secrets, "token_hex", other_worker_wins)
    assert load_or_create_key(key_file) == "the-winners-key"
    assert key_file.read_text() == "the-winners-key"
    assert [path.name for path in tmp_path.iterdir()] == [KEY_FILE_NAME]


def test_an_empty_key_file_is_an_error_not_an_empty_key(tmp_path):
    (tmp_path / KEY_FILE_NAME).write_text("\n")
    with pytest.raises(RuntimeError, match="is empty"):
        load_or_create_key(tmp_path / KEY_FILE_NAME)
