"""The key that signs session cookies: from SECRET_KEY, or made once and kept in the instance
folder so that sessions survive restarts. Never hard-coded, never logged."""

import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask

KEY_FILE_NAME = "secret_key"


def init_app(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    app.config["SECRET_KEY"] = load_or_create_key(Path(app.instance_path) / KEY_FILE_NAME)


def load_or_create_key(key_file: Path) -> str:
    """The key kept in ``key_file``, made first if there is none.

    Workers that start at the same moment all end up with the same key: the file appears
    complete in one step (a hard link to a finished temporary file, which fails if the name
    exists), and a worker that loses the race reads the winner's key instead of its own.
    """
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        _publish(key_file, secrets.token_hex(32))
    key = key_file.read_text().strip()
    if not key:
        raise RuntimeError(
            f"{key_file} is empty: delete it to have a new key made, or set SECRET_KEY"
        )
    return key


def _publish(key_file: Path, key: str) -> None:
    # mkstemp creates the file readable by its owner only, before anything is written to it.
    descriptor, temporary = tempfile.mkstemp(dir=key_file.parent, prefix=f".{KEY_FILE_NAME}-")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key)
        try:
            os.link(temporary, key_file)
        except FileExistsError:
            pass  # another worker was first; its key is the one everybody uses
    finally:
        os.unlink(temporary)
