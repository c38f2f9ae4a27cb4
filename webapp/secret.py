"""The key that signs session cookies: from SECRET_KEY, or made once and kept in the instance
folder so that sessions survive restarts. Never hard-coded, never logged."""
import os
import secrets
from pathlib import Path

from flask import Flask

KEY_FILE_NAME = "secret_key"


def init_app(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / KEY_FILE_NAME
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # Created with owner-only permissions before the key is written.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = key_file.read_text().strip()
