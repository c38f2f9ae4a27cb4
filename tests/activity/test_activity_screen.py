"""What the Activity page and its CSV show of each entry: when it finished and how long it took;
and a first screen that is not all logins (they are left out unless asked for)."""

import csv
import io
import re

import pytest

from webapp.db import connect

STARTED = "2026-01-05T10:00:00+00:00"


def add(panel, count: int = 1, **fields) -> None:
    """``count`` entries as given, straight into the log."""
    entry = {
        "at": STARTED,
        "user": "olga",
        "action": "download",
        "outcome": "ok",
        "model_id": "m-1",
        "model_name": "Model one",
        "detail": None,
        "finished_at": "2026-01-05T10:03:20+00:00",
        "host": "local",
        **fields,
    }
    with connect(panel.config["DATABASE"]) as db:
        for _ in range(count):
            db.execute(
                f"INSERT INTO activity ({', '.join(entry)}) VALUES ({', '.join('?' * len(entry))})",
                tuple(entry.values()),
            )


def cells(html: str, label: str) -> list[str]:
    return re.findall(rf'<td data-label="{label}">(.*?)</td>', html, re.S)


def export(client, query: str = "") -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(f"/activity/export.csv{query}").text)))


class TestWhenEachEntryFinished:
    def test_the_page_shows_when_it_finished_and_how_long_it_took(self, panel, viewer_client):
        add(panel)
        add(panel, action="load", finished_at=STARTED)  # at once
        add(panel, outcome="pending", finished_at=None)  # still running
        html = viewer_client.get("/activity?user=olga").text
        assert cells(html, "Finished") == [
            '<span class="muted">not yet</span>',
            f'<time datetime="{STARTED}">2026-01-05 10:00:00 UTC</time>',
            '<time datetime="2026-01-05T10:03:20+00:00">2026-01-05 10:03:20 UTC</time>',
        ]
        assert cells(html, "Took") == ["–", "under 1 s", "3 min 20 s"]

    def test_a_models_recent_activity_shows_them_too(self, panel, viewer_client, simulator):
        model_id = viewer_client.get("/").text.split('<tr id="model-', 1)[1].split('"', 1)[0]
        add(panel, model_id=model_id)
        html = viewer_client.get(f"/models/{model_id}").text
        assert cells(html, "Took") == ["3 min 20 s"]

    def test_the_csv_has_them_as_columns(self, panel, viewer_client):
        add(panel)
        add(panel, outcome="pending", finished_at=None)
        header, pending, done = export(viewer_client, "?user=olga")
        assert header[:3] == ["started (UTC)", "finished (UTC)", "took (seconds)"]
        assert done[:3] == ["2026-01-05 10:00:00", "2026-01-05 10:03:20", "200"]
        assert pending[:3] == ["2026-01-05 10:00:00", "", ""]


class TestLoginsLeftOut:
    def test_the_first_screen_is_what_was_done_not_who_logged_in(self, panel, viewer_client):
        add(panel)
        add(panel, 60, action="login", model_id=None, model_name=None)
        add(panel, 3, action="logout", model_id=None, model_name=None)
        html = viewer_client.get("/activity").text
        assert set(cells(html, "Action")) == {"download", "add-user"}  # (the test accounts')
        assert "Logins and logouts are left out (63)" in html
        assert 'href="/activity?logins=shown">show them</a>' in html
        assert '<input type="checkbox" name="logins" value="shown">' in html

    @pytest.mark.parametrize("query", ["?logins=shown", "?action=login"])
    def test_asked_for_they_are_shown(self, panel, viewer_client, query):
        add(panel, 2, action="login", model_id=None, model_name=None)
        html = viewer_client.get(f"/activity{query}").text
        assert cells(html, "Action").count("login") == 2 and "left out" not in html
        assert [row[4] for row in export(viewer_client, query)[1:]].count("login") == 2

    def test_the_csv_leaves_them_out_as_the_page_does(self, panel, viewer_client):
        add(panel)
        add(panel, 2, action="login", model_id=None, model_name=None)
        assert "login" not in [row[4] for row in export(viewer_client)[1:]]

    def test_the_count_left_out_follows_the_other_filters(self, panel, viewer_client):
        add(panel, 2, action="login", user="olga", model_id=None, model_name=None)
        add(panel, 5, action="login", user="sam", model_id=None, model_name=None)
        assert "left out (5)" in viewer_client.get("/activity?user=sam").text

    def test_any_other_value_is_refused(self, viewer_client):
        response = viewer_client.get("/activity?logins=all")
        assert response.status_code == 400 and "logins must be one of: shown" in response.text
