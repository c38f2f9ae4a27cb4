"""API tokens: made on the command line or the account page, shown once, kept as hashes, taken
as ``Authorization: Bearer`` on the endpoints that accept one (here /metrics), refused once
revoked, expired, demoted or removed, and throttled like logins."""

import re
import time
from pathlib import Path

import pytest

from tests.support.accounts import csrf_token_in
from webapp.accounts.tokens import DAY, TOKEN_PATTERN, create_token, list_tokens
from webapp.accounts.users import find_user, remove_user, set_role
from webapp.activity.log import record
from webapp.cli import main
from webapp.config import parse_networks
from webapp.db import connect

# /metrics, from an address METRICS_ALLOWED does not list: only a token lets the request in.
ELSEWHERE = {"REMOTE_ADDR": "192.0.2.7"}


@pytest.fixture
def tokened(panel_factory):
    """A panel whose /metrics is closed to the test client's address but for a token."""
    return panel_factory(METRICS_ALLOWED=parse_networks("198.51.100.1"))


def make_token(app, user: str = "operator", name: str = "ci", days: int | None = None) -> str:
    db = connect(app.config["DATABASE"])
    try:
        return create_token(db, find_user(db, user), name, days, actor="tests")
    finally:
        db.close()


def metrics_with(app, token: str | None, header: str | None = None):
    client = app.test_client(user=None)
    headers = {"Authorization": header or f"Bearer {token}"} if (token or header) else {}
    return client.get("/metrics", headers=headers, environ_base=ELSEWHERE)


class TestBearer:
    def test_a_valid_token_is_let_in_and_its_use_is_noted(self, tokened):
        token = make_token(tokened)
        assert metrics_with(tokened, None).status_code == 403
        assert metrics_with(tokened, token).status_code == 200
        db = connect(tokened.config["DATABASE"])
        assert list_tokens(db)[0].last_used_at is not None

    @pytest.mark.parametrize(
        "header", ["Bearer pmp_" + "x" * 43, "Bearer nonsense", "Basic b3BlcmF0b3I6eA==", "Bearer"]
    )
    def test_anything_else_is_401_with_a_bearer_challenge(self, tokened, header):
        answer = metrics_with(tokened, None, header)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].lower().startswith("bearer")

    def test_wrong_tokens_are_throttled_like_logins(self, tokened):
        token = make_token(tokened)
        for _ in range(5):
            assert metrics_with(tokened, None, "Bearer pmp_" + "y" * 43).status_code == 401
        refused = metrics_with(tokened, token)  # even the right one, from that address, waits
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0

    def test_an_expired_token_is_refused(self, tokened):
        token = make_token(tokened, days=1)
        db = connect(tokened.config["DATABASE"])
        db.execute("UPDATE api_tokens SET expires_at = ?", (time.time() - 1,))
        assert metrics_with(tokened, token).status_code == 401

    def test_a_demotion_or_removal_ends_the_accounts_tokens(self, tokened):
        kept, ended = make_token(tokened, "admin"), make_token(tokened, "operator")
        db = connect(tokened.config["DATABASE"])
        set_role(db, "operator", "viewer", actor="tests")
        assert metrics_with(tokened, ended).status_code == 401
        set_role(db, "viewer", "operator", actor="tests")  # promoted again: still ended
        assert metrics_with(tokened, ended).status_code == 401
        set_role(db, "admin", "admin", actor="tests")  # no demotion: kept
        assert metrics_with(tokened, kept).status_code == 200
        removed = make_token(tokened, "viewer")
        remove_user(db, "viewer", actor="tests")
        assert metrics_with(tokened, removed).status_code == 401

    @pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/users"), ("POST", "/users")])
    def test_html_pages_never_take_a_token_and_refuse_one(self, tokened, method, path):
        token = make_token(tokened, "admin")
        page = tokened.test_client(user=None).open(
            path, method=method, headers={"Authorization": f"Bearer {token}"}
        )
        # Not the admin's pages, nor the login form a script cannot use: a refusal saying where
        # a token works.
        assert page.status_code == 403 and "only through the API" in page.text
        assert "Location" not in page.headers

    def test_an_entry_written_for_a_token_request_names_the_token(self, tokened):
        token = make_token(tokened, "operator", "nightly")
        with tokened.test_request_context(headers={"Authorization": f"Bearer {token}"}):
            from flask import g

            from webapp.accounts.tokens import account_of_token
            from webapp.db import get_db

            g.user, g.token = account_of_token(get_db(), token)
            entry = record(get_db(), user="operator", action="load", outcome="ok")
            via = get_db().execute("SELECT via FROM activity WHERE id = ?", (entry,)).fetchone()
        assert via[0] == "token nightly"


class TestCommandLine:
    def test_create_prints_the_token_once_and_the_database_keeps_only_its_hash(
        self, panel, monkeypatch, capsys
    ):
        monkeypatch.setenv("DATABASE", panel.config["DATABASE"])
        assert (
            main(["tokens", "create", "ci box", "--user", "operator", "--expires-days", "7"]) == 0
        )
        token = capsys.readouterr().out.strip()
        assert TOKEN_PATTERN.fullmatch(token)
        assert main(["tokens", "list"]) == 0
        listing = capsys.readouterr().out
        assert "operator" in listing and "ci box" in listing and token not in listing
        database = Path(panel.config["DATABASE"])
        stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert token.encode() not in stored
        db = connect(str(database))
        (made,) = list_tokens(db)
        assert made.expires_at - made.created_at == pytest.approx(7 * DAY)
        assert main(["tokens", "revoke", str(made.id)]) == 0
        assert list_tokens(db) == []

    @pytest.mark.parametrize(
        "args, message",
        [
            (["create", "x", "--user", "nobody"], "no user named"),
            (["create", "", "--user", "operator"], "token's name"),
            (["create", "x", "--user", "operator", "--expires-days", "0"], "1 to"),
            (["revoke", "999"], "no such token"),
        ],
    )
    def test_refusals_say_why(self, panel, monkeypatch, capsys, args, message):
        monkeypatch.setenv("DATABASE", panel.config["DATABASE"])
        assert main(["tokens", *args]) == 2
        assert message in capsys.readouterr().err


class TestAccountPage:
    def test_a_token_made_there_is_shown_once(self, operator_client):
        page = operator_client.post("/account/tokens", data={"name": "laptop", "expires_days": ""})
        assert page.status_code == 201
        shown = re.search(r'id="new-token">(pmp_[^<]+)<', page.text)[1]
        again = operator_client.get("/account").text
        assert "laptop" in again and shown not in again

    def test_a_person_revokes_their_own_but_not_anothers(
        self, panel, operator_client, viewer_client
    ):
        make_token(panel, "viewer", "viewer box")
        theirs = list_tokens(connect(panel.config["DATABASE"]))[0]
        assert operator_client.post(f"/account/tokens/{theirs.id}/revoke").status_code == 404
        assert "viewer box" not in operator_client.get("/account").text
        assert viewer_client.post(f"/account/tokens/{theirs.id}/revoke").status_code == 303
        assert list_tokens(connect(panel.config["DATABASE"])) == []

    def test_an_admin_sees_and_revokes_everybodys(self, panel, client):
        make_token(panel, "operator", "build box")
        page = client.get("/account").text
        assert "Everybody else" in page and "build box" in page
        token = list_tokens(connect(panel.config["DATABASE"]))[0]
        assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 303

    @pytest.mark.parametrize(
        "form, message",
        [
            ({"name": "<script>", "expires_days": ""}, "token&#39;s name"),
            ({"name": "ok", "expires_days": "soon"}, "whole number"),
            ({"name": "ok", "expires_days": "99999"}, "1 to"),
        ],
    )
    def test_bad_input_is_a_clear_4xx(self, operator_client, form, message):
        answer = operator_client.post("/account/tokens", data=form)
        assert answer.status_code == 422 and message in answer.text

    def test_making_a_token_needs_the_csrf_token(self, panel):
        forged = panel.test_client(user="operator", csrf_header=False)
        assert forged.post("/account/tokens", data={"name": "x"}).status_code == 400
        form = forged.get("/account").text
        made = forged.post("/account/tokens", data={"name": "x", "csrf_token": csrf_token_in(form)})
        assert made.status_code == 201
