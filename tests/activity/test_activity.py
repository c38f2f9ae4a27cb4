"""The activity log: what is recorded, when, and the pages that show it."""

import csv
import io
import re
import threading
from pathlib import Path

import pytest

from tests.support.accounts import TEST_PASSWORD, WRONG_PASSWORD, log_in
from tests.support.models import CONFIRMED, HTMX, VALID_EDIT, act, model_in_state, upstream_models
from webapp.activity import log as activity
from webapp.activity.search import PAGE_SIZE
from webapp.db import connect


def log_of(panel, **where) -> list[dict]:
    """The log's entries, oldest first, as dicts; keyword arguments filter on columns."""
    db = connect(panel.config["DATABASE"])
    try:
        rows = db.execute("SELECT * FROM activity ORDER BY id").fetchall()
    finally:
        db.close()
    return [
        dict(row) for row in rows if all(row[column] == value for column, value in where.items())
    ]


def only(entries: list[dict]) -> dict:
    assert len(entries) == 1, entries
    return entries[0]


class TestActionsAreRecorded:
    @pytest.mark.parametrize("action, state", [("load", "downloaded"), ("unload", "loaded")])
    def test_a_successful_action(self, panel, operator_client, simulator, action, state):
        model = model_in_state(simulator, state)
        assert act(operator_client, model.id, action, **CONFIRMED).status_code == 200
        entry = only(log_of(panel, action=action))
        assert (entry["user"], entry["model_id"], entry["model_name"], entry["outcome"]) == (
            "operator",
            model.id,
            model.name,
            "ok",
        )
        assert entry["detail"] is None and entry["finished_at"] >= entry["at"]

    def test_a_download_stays_pending_until_it_ends(self, panel, operator_client, simulator):
        model = model_in_state(simulator, "not downloaded")
        assert act(operator_client, model.id, "download").status_code == 200
        entry = only(log_of(panel, action="download"))
        assert (entry["user"], entry["model_id"], entry["model_name"], entry["outcome"]) == (
            "operator",
            model.id,
            model.name,
            "pending",
        )
        assert entry["detail"] == "Downloading…" and entry["finished_at"] is None
        simulator.wait_until(
            lambda: only(log_of(panel, action="download"))["outcome"] == "ok",
            what="the download to be settled",
        )
        entry = only(log_of(panel, action="download"))
        assert entry["detail"] == "Download completed." and entry["finished_at"] >= entry["at"]

    def test_a_refusal_keeps_its_reason(self, panel, client, simulator):
        model = model_in_state(simulator, "not downloaded")
        act(client, model.id, "load")
        entry = only(log_of(panel, action="load"))
        assert entry["outcome"] == "refused"
        assert entry["detail"] == f"Cannot load {model.name}: it is not downloaded."

    def test_an_upstream_failure_keeps_pieces_os_text(self, panel, client, simulator):
        model = model_in_state(simulator, "downloaded")
        simulator.control(
            "POST", "faults", {"route": "load", "status": 500, "text": "GPU fell off the bus"}
        )
        act(client, model.id, "load")
        entry = only(log_of(panel, action="load"))
        assert entry["outcome"] == "failed"
        assert entry["detail"] == "Pieces OS answered 500: GPU fell off the bus"

    def test_an_unreachable_pieces_os_is_recorded(self, panel_factory, closed_port_url):
        app = panel_factory(PIECES_OS_URL=closed_port_url)
        act(app.test_client(), "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11", "load")
        entry = only(log_of(app, action="load"))
        assert entry["outcome"] == "failed" and entry["model_name"] is None
        assert "not reachable" in entry["detail"]

    def test_the_entry_is_written_before_pieces_os_answers(self, panel, client, simulator):
        model = model_in_state(simulator, "downloaded")
        simulator.control("POST", "faults", {"route": "load", "delay_seconds": 1.0})
        request = threading.Thread(target=act, args=(client, model.id, "load"))
        request.start()
        pending = simulator.wait_until(
            lambda: log_of(panel, action="load", outcome="pending", model_name=model.name),
            what="the pending entry, named once Pieces OS has said which model it is",
        )
        assert only(pending)["user"] == "admin"
        request.join()
        assert only(log_of(panel, action="load"))["outcome"] == "ok"

    def test_a_crash_of_the_panel_is_recorded(self, panel, client, simulator, monkeypatch):
        """The one failure the simulator cannot cause: the panel's own code raising."""
        model = model_in_state(simulator, "downloaded")
        session = panel.extensions["fleet"].default.client.session
        real_request = session.request

        def breaks_on_load(method, url, **options):
            if url.endswith("/load"):
                raise RuntimeError("a bug in the panel")
            return real_request(method, url, **options)

        monkeypatch.setattr(session, "request", breaks_on_load)
        with pytest.raises(RuntimeError):
            act(client, model.id, "load")
        entry = only(log_of(panel, action="load"))
        assert entry["outcome"] == "failed" and "RuntimeError" in entry["detail"]

    def test_edits_are_recorded(self, panel, client, simulator):
        custom = next(model for model in upstream_models(simulator) if model.custom)
        client.post(f"/models/{custom.id}/edit", data={**VALID_EDIT, "version": "1 0"})
        client.post(f"/models/{custom.id}/edit", data=VALID_EDIT)
        simulator.control(
            "POST", "faults", {"route": "update", "status": 500, "text": "disk is read-only"}
        )
        client.post(f"/models/{custom.id}/edit", data=VALID_EDIT)
        refused, done, failed = log_of(panel, action="edit")
        assert (refused["outcome"], refused["detail"]) == ("refused", "Invalid values in: version.")
        assert (done["outcome"], done["model_id"], done["model_name"]) == (
            "ok",
            custom.id,
            custom.name,
        )
        assert (failed["outcome"], failed["detail"]) == (
            "failed",
            "Pieces OS answered 500: disk is read-only",
        )
        assert client.get(f"/models/{custom.id}/edit").status_code == 200
        assert len(log_of(panel, action="edit")) == 3  # showing the form is not an attempt


class TestSessionsAndAccountsAreRecorded:
    def test_logins_logouts_and_failures(self, panel, anonymous_client):
        log_in(anonymous_client, "viewer", WRONG_PASSWORD)
        log_in(anonymous_client, "<b>guess</b>", WRONG_PASSWORD)
        log_in(anonymous_client, "viewer")
        anonymous_client.post("/logout", data={"csrf_token": session_token(anonymous_client)})
        entries = [
            (entry["user"], entry["action"], entry["outcome"])
            for entry in log_of(panel)
            if entry["action"] in ("login", "logout")
        ]
        assert entries == [
            ("viewer", "login", "failed"),
            ("<b>guess</b>", "login", "failed"),
            ("viewer", "login", "ok"),
            ("viewer", "logout", "ok"),
        ]

    def test_no_password_is_ever_stored(self, panel, anonymous_client):
        typed = "my-secret-typo-123"
        log_in(anonymous_client, "viewer", typed)
        log_in(anonymous_client, "viewer")
        stored = b"".join(
            path.read_bytes()
            for path in Path(panel.config["DATABASE"]).parent.glob("panel.sqlite*")
        )
        assert typed.encode() not in stored and TEST_PASSWORD.encode() not in stored

    def test_account_changes(self, panel, client):
        password = {"password": "a fine new password", "password_repeat": "a fine new password"}
        client.post("/users", data={"name": "carol", "role": "viewer", **password})
        client.post("/users/carol/role", data={"role": "operator"})
        client.post("/users/carol/password", data=password)
        client.post("/users/carol/remove", data=CONFIRMED)
        changes = [
            (entry["user"], entry["action"], entry["detail"])
            for entry in log_of(panel)
            if entry["user"] == "admin"
        ]
        assert changes == [
            ("admin", "add-user", "Added carol as viewer."),
            ("admin", "set-role", "Changed carol from viewer to operator."),
            ("admin", "set-password", "Changed the password of carol."),
            ("admin", "remove-user", "Removed carol (operator)."),
        ]


def session_token(client) -> str:
    with client.session_transaction() as session:
        return session["csrf_token"]


class TestPendingDownload:
    def test_is_the_running_download_of_the_model(self, panel_factory, simulator_factory):
        slow = simulator_factory(download_seconds=60, tick_seconds=0.5)
        app = panel_factory(PIECES_OS_URL=slow.url)
        model = model_in_state(slow, "not downloaded")

        def pending() -> str | None:
            db = connect(app.config["DATABASE"])
            try:
                entry = activity.pending_download(db, model.id, "local")
            finally:
                db.close()
            return entry and entry.user

        assert pending() is None
        act(app.test_client(user="operator"), model.id, "download")
        act(app.test_client(user="admin"), model.id, "download")  # refused: already running
        assert pending() == "operator"
        act(app.test_client(), model.id, "cancel", **CONFIRMED)
        slow.wait_until(lambda: pending() is None, what="the download's entry to be settled")
        act(app.test_client(), model.id, "download")
        assert pending() == "admin"


def add_entries(panel, count: int, **fields) -> None:
    db = connect(panel.config["DATABASE"])
    try:
        for number in range(count):
            activity.record(
                db,
                **{
                    "user": "robot",
                    "action": "load",
                    "outcome": "ok",
                    "model_id": f"model-{number % 3}",
                    "model_name": f"Model {number % 3}",
                    **fields,
                },
            )
    finally:
        db.close()


class TestActivityPage:
    def test_newest_first_with_pages(self, panel, viewer_client):
        add_entries(panel, PAGE_SIZE + 5)
        total = len(log_of(panel))
        first = viewer_client.get("/activity").text
        assert f"Entries 1–{PAGE_SIZE} of {total}, newest first." in first
        assert first.count("<tr>") == PAGE_SIZE + 1  # and the header row
        assert '<a class="button" href="/activity?page=2"' in first and "Newer" not in first
        second = viewer_client.get("/activity?page=2").text
        assert f"Entries {PAGE_SIZE + 1}–{total} of {total}" in second
        assert '<a class="button" href="/activity" hx-get="/activity"' in second
        assert "Older" not in second
        assert "No activity matches." in viewer_client.get("/activity?page=99").text

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("user=ROBOT", 9),
            ("user=obo", 9),
            ("user=robots", 0),
            ("user=%25", 0),
            ("model=model-1", 3),
            ("model=odel 2", 3),
            ("action=unload", 0),
            ("outcome=failed&user=robot", 0),
            ("action=load&model=model-0", 3),
        ],
    )
    def test_filters(self, panel, viewer_client, query, expected):
        add_entries(panel, 9)
        assert rows_shown(viewer_client.get(f"/activity?{query}").text) == expected

    def test_filters_treat_like_wildcards_as_text(self, panel, viewer_client):
        add_entries(panel, 3)
        assert rows_shown(viewer_client.get("/activity?model=%25").text) == 0
        assert rows_shown(viewer_client.get("/activity?model=_").text) == 0

    def test_htmx_gets_the_list_alone(self, panel, viewer_client):
        add_entries(panel, 2)
        fragment = viewer_client.get("/activity?user=robot", headers=HTMX)
        assert fragment.text.startswith('<section id="activity-list"')
        assert "<html" not in fragment.text and rows_shown(fragment.text) == 2
        assert "HX-Request" in fragment.headers["Vary"]

    @pytest.mark.parametrize(
        "query, message",
        [
            ("action=explode", "action must be one of"),
            ("outcome=great", "outcome must be one of"),
            ("page=0", "page must be"),
            ("page=two", "page must be"),
            ("page=-1", "page must be"),
            ("page=9999999", "page must be"),
            ("page=%C2%B2", "page must be"),
            ("user=" + "u" * 201, "longer than 200"),
            ("model=a%00b", "control characters"),
        ],
    )
    def test_bad_parameters_are_400(self, viewer_client, query, message):
        response = viewer_client.get(f"/activity?{query}")
        assert response.status_code == 400 and message in response.text

    def test_everything_shown_is_escaped(self, panel, viewer_client):
        add_entries(
            panel,
            1,
            user="<script>alert(1)</script>",
            detail="<img src=x>",
            model_name="<b>bold</b>",
        )
        html = viewer_client.get("/activity").text
        assert "<script>alert" not in html and "<img src=x>" not in html
        assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


class TestExport:
    def test_the_filtered_log_as_csv_newest_first_without_pages(self, panel, viewer_client):
        add_entries(panel, PAGE_SIZE + 3)
        add_entries(panel, 2, user="olga", action="unload", detail='said "no", twice\nthen ok')
        page = viewer_client.get("/activity?action=load&page=2").text
        assert 'href="/activity/export.csv?action=load" download>Export as CSV</a>' in page
        response = viewer_client.get("/activity/export.csv?action=load&page=2")
        assert response.status_code == 200
        assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
        assert re.fullmatch(
            r'attachment; filename="activity-\d{8}-\d{6}\.csv"',
            response.headers["Content-Disposition"],
        )
        table = list(csv.reader(io.StringIO(response.text)))
        assert table[0] == [
            "started (UTC)",
            "finished (UTC)",
            "took (seconds)",
            "user",
            "action",
            "model id",
            "model name",
            "outcome",
            "detail",
            "via",
            "host",
        ]
        assert len(table) == 1 + PAGE_SIZE + 3 and {row[4] for row in table[1:]} == {"load"}
        ids = [entry["id"] for entry in log_of(panel, action="load")]
        assert [row[5] for row in table[1:4]] == [
            f"model-{n % 3}" for n in (PAGE_SIZE + 2, PAGE_SIZE + 1, PAGE_SIZE)
        ]
        assert len(ids) == PAGE_SIZE + 3
        olga = list(
            csv.reader(io.StringIO(viewer_client.get("/activity/export.csv?user=olg").text))
        )
        assert [row[8] for row in olga[1:]] == ['said "no", twice\nthen ok'] * 2

    @pytest.mark.parametrize(
        "text",
        [
            '=HYPERLINK("http://evil")',
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tcmd",
            "\rcmd",
            " =1+1",
            "\n=1+1",
            "\uff1dSUM(A1)",
            "|cmd",
        ],
    )
    def test_formulas_are_plain_text(self, panel, viewer_client, text):
        add_entries(panel, 1, user=text, detail=text, model_name=text)
        (header, row) = csv.reader(
            io.StringIO(viewer_client.get("/activity/export.csv?action=load").text)
        )
        assert row[3] == row[6] == row[8] == "'" + text

    def test_bad_filters_are_400(self, viewer_client):
        response = viewer_client.get("/activity/export.csv?outcome=great")
        assert response.status_code == 400 and "outcome must be one of" in response.text

    def test_anonymous_people_get_nothing(self, panel, anonymous_client):
        add_entries(panel, 1)
        response = anonymous_client.get("/activity/export.csv")
        assert response.status_code in (302, 303, 401) and "robot" not in response.text


def rows_shown(html: str) -> int:
    return len(re.findall(r'<td data-label="Started">', html))


def test_a_models_page_shows_its_last_ten_entries(panel, client, viewer_client, simulator):
    model = model_in_state(simulator, "downloaded")
    other = model_in_state(simulator, "loaded")
    for _ in range(6):
        act(client, model.id, "load")
        act(client, model.id, "unload")
    act(client, other.id, "unload", **CONFIRMED)
    html = viewer_client.get(f"/models/{model.id}").text
    assert "Recent activity" in html and rows_shown(html) == 10
    assert html.count(">unload<") == 5 and html.count(">load<") == 5
    assert f'href="/activity?model={model.id}&amp;host=local"' in html
    assert rows_shown(viewer_client.get(f"/models/{other.id}").text) == 1
    untouched = model_in_state(simulator, "cloud")
    assert "Nobody has acted on this model" in viewer_client.get(f"/models/{untouched.id}").text
