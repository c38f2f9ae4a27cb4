"""The API's actions run the buttons' code: 202 with the model and the log entry (named after
the token), and a problem document for a role, host, model or state that forbids them; a token
acts with its account's hosts."""

from urllib.parse import quote

import pytest

from tests.support.models import model_in_state, upstream_model
from tests.support.panel_fixtures import FLEET
from tests.support.panel_page import DOWNLOADED, NOT_DOWNLOADED
from webapp.accounts.tokens import create_token
from webapp.accounts.users import find_user, set_role
from webapp.db import connect


@pytest.fixture
def post(panel):
    """POST an action with a token of ``user`` (no CSRF token: a bearer request needs none)."""
    db = connect(panel.config["DATABASE"])
    tokens = {
        user: create_token(db, find_user(db, user), f"{user}-script", None, actor="tests")
        for user in ("viewer", "operator")
    }
    client = panel.test_client(user=None)

    def send(model_id: str, action: str, user: str = "operator", host: str = "local"):
        path = f"/api/v1/hosts/{host}/models/{quote(model_id, safe='')}/{action}"
        return client.post(path, headers={"Authorization": f"Bearer {tokens[user]}"})

    return send


def entry(panel, entry_id: int) -> dict:
    db = connect(panel.config["DATABASE"])
    row = db.execute("SELECT * FROM activity WHERE id = ?", (entry_id,)).fetchone()
    return dict(row)


def test_a_load_is_202_with_the_model_and_its_entry_named_after_the_token(panel, post):
    answer = post(DOWNLOADED, "load")
    assert answer.status_code == 202, answer.text
    assert answer.json["model"]["id"] == DOWNLOADED and answer.json["model"]["loaded"] is True
    logged = entry(panel, answer.json["entry"])
    assert (logged["user"], logged["action"], logged["outcome"], logged["via"]) == (
        "operator",
        "load",
        "ok",
        "token operator-script",
    )


def test_a_download_is_202_and_stays_pending_while_it_runs(panel, post):
    answer = post(NOT_DOWNLOADED, "download")
    assert answer.status_code == 202
    assert answer.json["model"]["downloading"] is True
    assert entry(panel, answer.json["entry"])["outcome"] == "pending"


@pytest.mark.parametrize(
    "model_id, action, user, host, status",
    [
        (DOWNLOADED, "load", "viewer", "local", 403),
        (DOWNLOADED, "load", "operator", "elsewhere", 404),
        ("no-such-model", "load", "operator", "local", 404),
        (NOT_DOWNLOADED, "load", "operator", "local", 409),
        (DOWNLOADED, "cancel", "operator", "local", 409),
    ],
)
def test_refusals_are_problem_documents(post, model_id, action, user, host, status):
    answer = post(model_id, action, user, host)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json" and answer.json["detail"]


def test_a_model_pieces_os_does_not_have_is_refused_in_the_log_not_failed(panel, post):
    """A typo in a script's model id must not count as a failed download (an alert)."""
    assert post("no-such-model", "download").status_code == 404
    db = connect(panel.config["DATABASE"])
    (outcome,) = db.execute("SELECT outcome FROM activity WHERE action = 'download'").fetchone()
    assert outcome == "refused"


def test_delete_files_needs_no_confirmation_field_through_the_api(post):
    answer = post(DOWNLOADED, "delete-files")
    assert answer.status_code == 202 and answer.json["model"]["downloaded"] is False


def test_a_browser_session_acting_through_the_api_needs_its_csrf_token(panel):
    forged = panel.test_client(user="operator", csrf_header=False)
    assert forged.post(f"/api/v1/hosts/local/models/{DOWNLOADED}/load").status_code == 400


def test_a_token_acts_with_its_accounts_hosts(fleet_panel, simulator, second_simulator):
    """An operator limited to the build box: its script downloads there, and is refused on the
    other host and on user management."""
    build_box, gpu_1 = FLEET
    db = connect(fleet_panel.config["DATABASE"])
    set_role(db, "operator", "operator", hosts=[build_box], known_hosts=FLEET, actor="admin")
    token = create_token(db, find_user(db, "operator"), "ci", None, actor="admin")
    script = fleet_panel.test_client(user=None)
    auth = {"Authorization": f"Bearer {token}"}

    here = model_in_state(simulator, "not downloaded")
    started = script.post(f"/api/v1/hosts/{build_box}/models/{here.id}/download", headers=auth)
    assert started.status_code == 202 and started.json["model"]["downloading"] is True

    there = model_in_state(second_simulator, "not downloaded")
    refused = script.post(f"/api/v1/hosts/{gpu_1}/models/{there.id}/download", headers=auth)
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.json["detail"] == (
        f"You are logged in as operator (operator on {build_box}); you can act on {build_box}"
        f" only, not on {gpu_1}."
    )
    assert upstream_model(second_simulator, there.id).state == "not downloaded"

    for method in ("GET", "POST"):
        managing = script.open("/users", method=method, headers=auth, data={"name": "x"})
        assert managing.status_code == 403 and "only through the API" in managing.text
    db.close()
