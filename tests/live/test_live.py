"""The live relay: real panel and simulator servers on loopback, websocket-client as browsers."""

import re
import socket

import pytest
import requests
import websocket

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import PERCENT, LivePage, since_of
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")


def test_many_viewers_share_one_upstream_socket_and_all_see_the_end(live):
    pages = [live.open_page() for _ in range(8)]
    assert live.act(LOCAL, "download").status_code == 200
    live.simulator.wait_until(
        lambda: live.simulator.open_sockets(LOCAL) >= 1, what="the upstream socket"
    )
    assert live.simulator.open_sockets(LOCAL) == 1
    for page in pages:
        page.read_until_row(LOCAL, "downloaded")
        seen = page.percentages(LOCAL)
        assert seen == sorted(seen) and seen[-1] > 50, seen
    assert live.simulator.stats()["requests"]["progress"] == 1
    live.simulator.wait_until(
        lambda: live.simulator.open_sockets(LOCAL) == 0,
        what="the relay to close its upstream socket",
    )


def test_a_viewer_joining_mid_way_gets_the_current_state_at_once(live_factory):
    live = live_factory({"download_seconds": 4, "tick_seconds": 0.1}, LIVE_HEARTBEAT_SECONDS=30)
    first = live.open_page()
    live.act(LOCAL, "download")
    first.read_until(lambda text: any(p >= 50 for p in percent_shown(text, LOCAL)), "50 %")
    late = live.open_page()
    # Its first messages are the page's state, oldest change first: the row as last published,
    # then the bar, which moved since (any later bar comes after those).
    bar = late.read_until(
        lambda text: text.lstrip().startswith(f'<div id="progress-{LOCAL}"'),
        "the running download's bar",
    )
    assert percent_shown(bar, LOCAL)[0] >= 50
    late.read_until_row(LOCAL, "downloaded")


def test_a_page_is_sent_at_once_only_what_changed_since_it_was_rendered(live_factory):
    live = live_factory(LIVE_HEARTBEAT_SECONDS=1)
    live.open_page()  # the panel has read the models and Pieces OS itself: that is not news
    rendered = live.browser.get(f"{live.url}/", timeout=5).text
    assert live.act(DOWNLOADED, "load").status_code == 200
    page = live.open_page("/", since=since_of(rendered))
    rows = page.read_until(lambda text: "<tr" in text, "the row that changed")
    assert f'<tr id="model-{DOWNLOADED}" class="model-view" data-state="loaded"' in rows
    assert f"model-{LOCAL}" not in rows  # unchanged: the page shows it as it is
    page.read_until(lambda text: 'id="summary"' in text and "2 loaded" in text, "the summary")

    for path in (f"/models/{LOCAL}", "/"):  # the first page of its kind, one of a kind open
        current = live.open_page(path, since=since_of(live.browser.get(live.url + path).text))
        assert current.next_message() == live.hub.fragments.heartbeat  # nothing it lacks


def test_a_page_is_not_sent_again_what_its_own_request_published(live_factory):
    """The panel's first list publishes every row (for the pages already open, if any): the page
    whose request asked for it shows them already, and replacing them as it opens would only
    wipe what a person started on them (a confirmation, a click)."""
    # Nothing but the heartbeat comes first: a short one ends the wait.
    live = live_factory(LIVE_HEARTBEAT_SECONDS=2)
    rendered = live.browser.get(f"{live.url}/", timeout=5).text  # the panel's first list
    assert live.hub.snapshot.models
    page = live.open_page("/", since=since_of(rendered))
    assert page.next_message() == live.hub.fragments.heartbeat


def test_the_first_page_of_its_kind_gets_a_bar_that_moved_after_it_was_rendered(live_factory):
    """Its row (from the download's start) is older than the page, but not the bar inside it."""
    live = live_factory({"download_seconds": 60, "tick_seconds": 2}, LIVE_HEARTBEAT_SECONDS=30)
    assert live.act(LOCAL, "download").status_code == 200

    def followed_at() -> float:
        progress = live.hub.snapshot.row(None, LOCAL).progress
        return progress.percentage if progress else 0.0

    shown = live.simulator.wait_until(followed_at, what="a first frame")
    rendered = live.browser.get(f"{live.url}/", timeout=5).text  # no list page was open
    now = live.simulator.wait_until(
        lambda: followed_at() > shown and followed_at(), what="the next frame"
    )
    page = live.open_page("/", since=since_of(rendered))  # the frame after is 2 s away
    bar = page.read_until(lambda text: f'id="progress-{LOCAL}"' in text, "the bar")
    assert percent_shown(bar, LOCAL)[0] >= now - 0.1  # (a newer frame may have come since)


def test_a_page_of_an_earlier_run_of_the_panel_is_sent_the_whole_state(live):
    live.open_page()  # the panel has read the models: from here on nothing changes
    rendered = live.browser.get(f"{live.url}/", timeout=5).text
    run, revision = since_of(rendered).split("-")
    other_run = f"{int(run, 16) ^ 1:08x}-{revision}"
    page = live.open_page("/", since=other_run)
    page.read_until(
        lambda _text: all(
            f'<tr id="model-{model}"' in "".join(page.received) for model in (DOWNLOADED, LOCAL)
        ),
        "both rows",
    )


def test_a_mark_no_page_sends_is_refused_before_the_handshake(live):
    for since in ("yesterday", "1234", "abcdefgh-1", "0" * 8 + "-" + "9" * 40):
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            live.open_page("/", since=since)
        assert refused.value.status_code == 400


def percent_shown(text: str, model: str) -> list[float]:
    """Percentages shown for ``model`` in one message (its row or its progress element)."""
    found = []
    for match in re.finditer(
        rf'id="(?:progress|model)-{model}".*?(?=<(?:tr|div) id=|$)', text, re.S
    ):
        found += [float(value) for value in PERCENT.findall(match.group(0))]
    return found


def test_upstream_drop_mid_way_still_completes_for_everyone(live_factory):
    live = live_factory({"download_seconds": 3, "tick_seconds": 0.1}, LIVE_HEARTBEAT_SECONDS=30)
    pages = [live.open_page() for _ in range(3)]
    live.act(LOCAL, "download")
    pages[0].read_until(lambda text: any(p >= 50 for p in percent_shown(text, LOCAL)), "50 %")
    dropped = live.simulator.control("POST", "drop-progress-sockets").json()["dropped"]
    assert dropped == 1
    for page in pages:
        page.read_until_row(LOCAL, "downloaded")
    assert live.simulator.stats()["requests"]["progress"] >= 2  # it reconnected


def test_a_page_that_never_reads_does_not_hold_up_the_others(live_factory):
    live = live_factory({"download_seconds": 2, "tick_seconds": 0.02}, LIVE_HEARTBEAT_SECONDS=30)
    stuck = live.open_page(sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 1024),))
    reader = live.open_page()
    live.act(LOCAL, "download")
    reader.read_until_row(LOCAL, "downloaded")
    assert len(reader.percentages(LOCAL)) >= 10
    # The stuck page's mailbox is bounded; it catches up with the newest state.
    stuck.read_until_row(LOCAL, "downloaded")


def test_an_action_through_one_page_reaches_the_others(live):
    watcher = live.open_page("/?state=downloaded")
    assert live.act(DOWNLOADED, "load").status_code == 200
    watcher.read_until_row(DOWNLOADED, "loaded")
    watcher.read_until(
        lambda text: 'id="summary" hx-swap-oob="true"' in text and "2 loaded" in text,
        "the summary counting it",
    )


def test_a_detail_page_gets_its_card_and_nothing_else(live):
    detail = live.open_page(f"/models/{DOWNLOADED}")
    live.act(LOCAL, "download")
    live.act(DOWNLOADED, "load")
    card = detail.read_until(
        lambda text: f'<article id="model-{DOWNLOADED}"' in text and "action-unload" in text,
        "its card, loaded",
    )
    assert f"model-{LOCAL}" not in "".join(detail.received)
    assert "<tr" not in card


def test_a_change_made_elsewhere_appears_within_two_refreshes(live_factory):
    """Without the pushed identifiers stream (tests/live/test_pushed_streams.py has it), the
    refresh finds the change."""
    live = live_factory(LIVE_REFRESH_SECONDS=0.5, LIVE_HEARTBEAT_SECONDS=30)
    live.simulator.control("POST", "faults", {"route": "identifiers", "status": 503})
    page = live.open_page()
    lists_before = live.simulator.stats()["requests"]["list"]
    live.simulator.control("PATCH", f"model/{DOWNLOADED}", {"loaded": True})
    page.read_until_row(DOWNLOADED, "loaded")
    # Counted in refreshes, not seconds: one may have begun just before the change, the next
    # sees it, and a third may be under way as we ask.
    assert 1 <= live.simulator.stats()["requests"]["list"] - lists_before <= 3


def test_a_download_started_elsewhere_is_relayed(live_factory):
    live = live_factory(
        {"download_seconds": 2, "tick_seconds": 0.05},
        LIVE_REFRESH_SECONDS=0.3,
        LIVE_HEARTBEAT_SECONDS=30,
    )
    page = live.open_page()
    requests.post(f"{live.simulator.url}/model/{LOCAL}/download", timeout=5)
    page.read_until(lambda text: f"progress-{LOCAL}" in text, "the other tool's download")
    page.read_until_row(LOCAL, "downloaded")


def test_failed_download_stays_visible_until_dismissed(live):
    page = live.open_page()
    live.simulator.control("POST", "fail-next-download", {"at_percentage": 30})
    live.act(LOCAL, "download")
    failed = page.read_until(lambda text: "Download failed at" in text, "the failure on the row")
    assert f'<tr id="model-{LOCAL}" class="model-view" data-state="not downloaded"' in failed
    assert "Dismiss" in failed
    assert "Download failed at" in live.browser.get(live.url + "/", timeout=5).text
    response = live.act(LOCAL, "dismiss")
    assert "Download failed at" not in response.text
    # Rows pushed before the dismiss (Pieces OS also pushes that the model changed) still show
    # the failure; one without it follows.
    page.read_until(
        lambda text: f'<tr id="model-{LOCAL}"' in text and "Download failed at" not in text,
        "the row without the failure",
    )


def test_a_viewer_sees_the_failure_but_no_dismiss_button(live):
    viewer = login_over_http(live.url, "viewer")
    page = LivePage(live.url, cookie=cookie_header(viewer))
    live.pages.append(page)
    live.simulator.wait_until(lambda: live.hub.viewer_count >= 1, what="the page to register")
    live.simulator.control("POST", "fail-next-download", {"at_percentage": 30})
    live.act(LOCAL, "download")
    failed = page.read_until(lambda text: "Download failed at" in text, "the failure")
    assert f'<tr id="model-{LOCAL}"' in failed and "Dismiss" not in failed
    listed = viewer.get(live.url + "/", timeout=5).text
    row = listed[listed.index(f'<tr id="model-{LOCAL}"') :]
    assert "Download failed at" in row[: row.index("</tr>")]
    assert "Dismiss" not in row[: row.index("</tr>")]


def test_a_failure_can_be_dismissed_without_javascript(live):
    """The dismiss form works as a plain form: it carries its own CSRF token."""
    live.simulator.control("POST", "fail-next-download", {"at_percentage": 30})
    live.act(LOCAL, "download")
    live.simulator.wait_until(
        lambda: "Download failed at" in live.browser.get(live.url + "/", timeout=5).text,
        what="the failure on the list page",
    )
    html = live.browser.get(live.url + "/", timeout=5).text
    form = re.search(
        rf'<form method="post" action="/models/{LOCAL}/dismiss".*?</form>', html, re.S
    )[0]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    plain = requests.Session()
    plain.cookies.update(live.browser.cookies)  # the same login, but no CSRF header
    response = plain.post(
        f"{live.url}/models/{LOCAL}/dismiss", data=fields, timeout=5, allow_redirects=False
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Download failed at" not in plain.get(live.url + "/", timeout=5).text


def test_cancel_resets_the_row_for_everyone(live_factory):
    live = live_factory({"download_seconds": 30, "tick_seconds": 0.1}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    live.act(LOCAL, "cancel")
    reset = page.read_until_row(LOCAL, "not downloaded")
    assert "<progress" not in reset
    live.simulator.wait_until(
        lambda: live.simulator.open_sockets(LOCAL) == 0,
        what="the relay to close its upstream socket",
    )


def test_bad_frames_are_skipped_and_the_relay_goes_on(live_factory, caplog):
    live = live_factory({"download_seconds": 30, "tick_seconds": 0.5}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    for frame in [
        "{}",
        "not json",
        '{"status": "IN-PROGRESS", "percentage": "50"}',
        "[1, 2]",
        '{"percentage": true}',
        '{"status": "IN-PROGRESS", "percentage": 250}',
    ]:
        live.simulator.control("POST", f"progress/{LOCAL}", {"frame": frame})
    clamped = page.read_until(lambda text: 100.0 in percent_shown(text, LOCAL), "clamped to 100")
    assert "100.0 %" in clamped
    skipped = [
        record.getMessage()
        for record in caplog.records
        if "skipped a progress frame" in record.getMessage()
    ]
    assert len(skipped) == 5, skipped


def test_unreachable_pieces_os_is_shown_and_recovers(live_factory):
    live = live_factory(LIVE_REFRESH_SECONDS=0.3, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.simulator.control(
        "POST", "faults", {"route": "list", "status": 503, "text": "Pieces OS is restarting"}
    )
    page.read_until(
        lambda text: "Pieces OS answered 503: Pieces OS is restarting" in text, "the failure banner"
    )
    live.simulator.control("DELETE", "faults")
    page.read_until(
        lambda text: '<div id="banner" hx-swap-oob="true">' in text and "banner-error" not in text,
        "the banner cleared",
    )


def test_fragments_render_for_the_host_the_page_used(live_factory):
    """With TRUSTED_HOSTS set, fragments are rendered for the page's own (trusted) host."""
    live = live_factory(TRUSTED_HOSTS=["127.0.0.1"], LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    assert live.act(DOWNLOADED, "load").status_code == 200
    loaded = page.read_until_row(DOWNLOADED, "loaded")
    assert f'href="/models/{DOWNLOADED}"' in loaded


def test_a_vanished_browser_is_let_go_within_the_ping_interval(live_factory):
    """A page that answers no ping (this client never reads, so it never pongs) is dropped."""
    live = live_factory(LIVE_PING_SECONDS=1, LIVE_HEARTBEAT_SECONDS=30)
    live.open_page()
    live.simulator.wait_until(
        lambda: live.hub.viewer_count == 0, timeout=10, what="the silent page to be let go"
    )


def test_a_page_that_sends_messages_is_closed_and_the_others_go_on(live):
    chatty = live.open_page()
    chatty.connection.send("x" * 2048)
    live.simulator.wait_until(
        lambda: live.hub.viewer_count == 0, what="the chatty page to be closed"
    )
    live.pages.remove(chatty)
    other = live.open_page()
    assert live.act(DOWNLOADED, "load").status_code == 200
    other.read_until_row(DOWNLOADED, "loaded")


def test_an_answer_is_rendered_for_its_own_user_while_a_viewers_page_is_open(live):
    """Publishing the change renders fragments for the viewer's page in the operator's request
    thread: the operator's answer must still be the operator's."""
    viewer = login_over_http(live.url, "viewer")
    page = LivePage(live.url, cookie=cookie_header(viewer))
    live.pages.append(page)
    live.simulator.wait_until(lambda: live.hub.viewer_count >= 1, what="the page to register")
    answer = live.act(DOWNLOADED, "load")
    assert "action-unload" in answer.text
