"""The README's example script, run as a team would run it: against a panel of two hosts, with
an operator's token, it downloads a model on both and waits for both through /api/v1/events."""

import re
import subprocess
import sys
from pathlib import Path

from tests.support.models import model_in_state, upstream_model
from tests.support.panel_fixtures import FLEET
from tests.support.servers import serve_in_thread
from webapp.accounts.tokens import create_token
from webapp.accounts.users import find_user
from webapp.db import connect

README = Path(__file__).resolve().parents[2] / "README.md"
SETTINGS_LINE = re.compile(r"^PANEL, TOKEN, MODEL = .*$", re.M)


def readme_script() -> str:
    section = README.read_text(encoding="utf-8").split("## API for scripts", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S)[1]


def test_the_readme_script_downloads_on_two_hosts_and_hears_both_end(
    fleet_panel, simulator, second_simulator
):
    db = connect(fleet_panel.config["DATABASE"])
    token = create_token(db, find_user(db, "operator"), "readme", None, actor="tests")
    model = model_in_state(second_simulator, "not downloaded")
    server = serve_in_thread(fleet_panel)
    try:
        script = SETTINGS_LINE.sub(
            f"PANEL, TOKEN, MODEL = {server.url!r}, {token!r}, {model.id!r}", readme_script()
        )
        assert f'HOSTS = ["{FLEET[0]}", "{FLEET[1]}"]' in script
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    outcomes = sorted(line.split(" ", 2)[:2] for line in done.stdout.splitlines())
    assert outcomes == [[FLEET[0], "ok"], [FLEET[1], "ok"]]
    assert upstream_model(simulator, model.id).downloaded
    assert upstream_model(second_simulator, model.id).downloaded
