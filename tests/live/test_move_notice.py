"""Pieces OS restarting at a new address is an event, not a state: it is logged, and every page
says it for a while (the live socket clears it then) or until the person dismisses it. The live
state is driven synchronously with an injected clock (see test_loop.py)."""

import re

import pytest

from tests.live.test_loop import ScriptedPiecesOS, harness_on, messages, model
from tests.support.panel_fixtures import PanelClient
from webapp.accounts.users import find_user
from webapp.db import connect, get_db
from webapp.live.fanout import Viewer
from webapp.live.pages import Page
from webapp.live.state import MOVE_NOTICE_SECONDS

OLD, NEW = "http://127.0.0.1:39300", "http://127.0.0.1:39301"


@pytest.fixture
def harness(panel_database, tmp_path):
    harness = harness_on(ScriptedPiecesOS(model("one")), panel_database, tmp_path)
    harness.host.fetch_models()
    return harness


def notice_sent(sent: list[str]) -> str:
    notices = [text for text in sent if 'id="move-notice"' in text]
    assert notices, "no notice of the move was sent"
    return " ".join(notices[-1].split())


def open_as(harness, name: str, url: str):
    """A page of ``name``'s, in a login session of theirs (the loop's tick closes the pages of
    sessions that do not hold)."""
    app = harness.host.fragments.app
    client = PanelClient(app, app.response_class, user=name)
    with app.app_context():
        user = find_user(get_db(), name)
    viewer = Viewer(user.id, client.session_hash, lambda: True)
    return harness.host.open_page(Page.from_url(url, user.role, "http://127.0.0.1/"), None, viewer)


def test_a_move_is_logged_shown_on_every_page_then_cleared_after_a_while(harness):
    pages = [open_as(harness, "operator", "/"), open_as(harness, "viewer", "/activity")]
    harness.run()
    for page in pages:
        messages(page)
    harness.loop.post(harness.host.models.moved, OLD, NEW)
    harness.run()
    for page in pages:
        shown = notice_sent(messages(page))
        assert f"Pieces OS restarted at a new address: now <code>{NEW}</code>" in shown
        assert "Dismiss" in shown
    with connect(harness.database) as connection:
        logged = connection.execute(
            "SELECT detail FROM activity WHERE action = 'pieces-os-moved'"
        ).fetchall()
    assert [row[0] for row in logged] == [f"Pieces OS moved from {OLD} to {NEW}."]

    harness.clock.now += MOVE_NOTICE_SECONDS - 2
    harness.run(1)
    assert not any('id="move-notice"' in text for text in messages(pages[0]))  # not yet
    harness.run(2)
    for page in pages:
        assert "restarted" not in notice_sent(messages(page))
    later = open_as(harness, "admin", "/")  # a page opened later starts without it
    assert "restarted" not in notice_sent(messages(later))


def test_dismissing_the_notice_hides_it_for_that_person_only(panel, simulator):
    host = panel.extensions["fleet"].default
    admin, viewer = panel.test_client(), panel.test_client(user="viewer")
    admin.get("/")
    host.loop.ask(host.models.moved, simulator.url, simulator.url + "0")
    assert "restarted at a new address" in admin.get("/").text

    answer = admin.post("/notices/move/dismiss", data={"next": "/"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert re.fullmatch(r'\s*<div id="move-notice">\s*</div>\s*', answer.text.split("#}")[-1])
    assert "restarted at a new address" not in admin.get("/").text
    assert "restarted at a new address" in viewer.get("/").text
    without_javascript = viewer.post("/notices/move/dismiss", data={"next": "/activity"})
    assert (without_javascript.status_code, without_javascript.location) == (303, "/activity")
    assert "restarted at a new address" not in viewer.get("/activity").text


def test_dismissing_needs_the_csrf_token(panel, simulator):
    forged = panel.test_client(csrf_header=False).post("/notices/move/dismiss")
    assert forged.status_code == 400
