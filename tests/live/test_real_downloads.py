"""Downloads as the real Pieces OS runs them (its official SDKs and support threads describe
each case), followed through the panel's live relay. The simulator's behaviour switches and
controls reproduce the cases; real servers on loopback, a real WebSocket client as the page."""

import re

from tests.support.live_page import PERCENT
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
QUICK = {"download_seconds": 1.5, "tick_seconds": 0.05}


def shows(text: str):
    return lambda message: text in message


def activity_of(live, action: str) -> str:
    return live.browser.get(f"{live.url}/activity?action={action}", timeout=5).text


def outcomes(html: str) -> list[str]:
    """The outcome of each entry on an activity page, newest first."""
    return re.findall(r'class="badge outcome-([a-z]+)"', html)


def test_an_unknown_progress_status_still_moves_the_bar(live_factory):
    live = live_factory({**QUICK, "progress_status": "DOWNLOADING"}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloaded")
    seen = page.percentages(LOCAL)
    assert len(seen) >= 5 and seen == sorted(seen) and seen[-1] > 50, seen
    assert any("Pieces OS says DOWNLOADING" in message for message in page.received)


def test_a_download_whose_first_answer_says_not_downloading_is_followed_to_its_end(live_factory):
    live = live_factory({**QUICK, "download_answer_lags": True}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    assert live.act(LOCAL, "download").status_code == 200
    page.read_until_row(LOCAL, "downloaded")
    assert len(page.percentages(LOCAL)) >= 5
    assert any("started by operator" in message for message in page.received)
    assert "download" in activity_of(live, "download")


def test_an_earlier_attempts_failure_is_not_taken_for_this_ones_outcome(live_factory):
    live = live_factory({**QUICK, "replays_last_status": True}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    live.simulator.control("POST", f"download/{LOCAL}/fail", {"at_percentage": 0})
    page.read_until(shows("Download failed at"), "the first attempt failing")
    # The second attempt's socket first gets the first attempt's FAILED again.
    live.act(LOCAL, "download")
    done = page.read_until_row(LOCAL, "downloaded")
    assert "Download failed at" not in done
    assert live.simulator.stats()["requests"]["progress"] == 2


def test_a_download_that_starts_again_from_zero_is_shown_as_restarted(live_factory):
    live = live_factory({"download_seconds": 3, "tick_seconds": 0.05}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until(lambda text: any(float(value) >= 30 for value in PERCENT.findall(text)), "30 %")
    highest = max(page.percentages(LOCAL))
    live.simulator.control("POST", f"download/{LOCAL}/restart")
    restarted = page.read_until(shows("restarted from 0 %"), "the restart")
    assert float(PERCENT.findall(restarted)[-1]) < highest
    page.read_until_row(LOCAL, "downloaded")


def test_a_cancel_that_pieces_os_ignores_is_said_plainly(live_factory):
    live = live_factory(
        {"download_seconds": 4, "tick_seconds": 0.05, "cancel_is_ignored": True},
        LIVE_HEARTBEAT_SECONDS=30,
        DOWNLOAD_CANCEL_SECONDS=0.5,
    )
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    answer = live.act(LOCAL, "cancel")
    assert "cancel requested by operator" in answer.text
    page.read_until(shows("Pieces OS did not stop the download"), "the ignored cancel")
    log = activity_of(live, "cancel")
    assert outcomes(log) == ["failed"] and "still downloading 0.5 s after the cancel" in log
    page.read_until_row(LOCAL, "downloaded")


def test_a_cancel_that_works_late_is_logged_when_the_download_stops(live_factory):
    live = live_factory({"download_seconds": 30, "tick_seconds": 0.2}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    live.simulator.control("PATCH", "behaviour", {"cancel_is_ignored": True})
    live.act(LOCAL, "cancel")
    assert outcomes(activity_of(live, "cancel")) == ["pending"]
    live.simulator.control("PATCH", "behaviour", {"cancel_is_ignored": False})
    live.act(LOCAL, "cancel")  # the second one works
    page.read_until_row(LOCAL, "not downloaded")
    # The thread that saw the download stop (the action's, or the pushed identifiers') settles
    # the first cancel; the row may be published by the other one a moment before.
    live.simulator.wait_until(
        lambda: outcomes(activity_of(live, "cancel")) == ["ok", "ok"], what="both cancels settled"
    )
    assert "Pieces OS stopped the download." in activity_of(live, "cancel")


def test_a_download_answered_after_the_read_timeout_is_followed_to_its_end(live_factory):
    """Pieces OS answers the request after the panel stopped waiting, the download running:
    neither its log entry nor its progress socket gives up on it."""
    live = live_factory(
        {"download_seconds": 3, "tick_seconds": 0.05, "download_answer_seconds": 1.5},
        LIVE_HEARTBEAT_SECONDS=30,
        PIECES_OS_READ_TIMEOUT=0.5,
    )
    page = live.open_page()
    answer = live.act(LOCAL, "download")
    assert answer.status_code == 200 and "<progress" in answer.text  # followed, not failed
    assert "row-error" not in answer.text and "action-download" not in answer.text
    assert outcomes(activity_of(live, "download")) == ["pending"]
    page.read_until_row(LOCAL, "downloaded")
    live.simulator.wait_until(
        lambda: outcomes(activity_of(live, "download")) == ["ok"], what="the completion logged"
    )
    assert "Download completed." in activity_of(live, "download")
    assert live.simulator.stats()["requests"]["progress"] == 1  # one socket, never closed
    assert len(page.percentages(LOCAL)) >= 5


def test_a_download_answered_already_downloaded_ends_at_once(live_factory):
    """Pieces OS found the files already there: nothing runs, nothing is shown as running."""
    live = live_factory({**QUICK, "download_finds_files": True}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    answer = live.act(LOCAL, "download")
    assert answer.status_code == 200
    assert 'data-state="downloaded"' in answer.text and "<progress" not in answer.text
    assert "starting…" not in answer.text
    log = activity_of(live, "download")
    assert outcomes(log) == ["ok"] and "already had the model" in log
    assert live.hub.snapshot.downloads == ()  # the header lists nothing running
    header = live.browser.get(f"{live.url}/", timeout=5).text
    assert "Downloading now" not in header and "starting…" not in header
    page.read_until(
        lambda text: (
            f'id="model-{LOCAL}" class="model-view" data-state="downloaded"' in text
            and "<progress" not in text
        ),
        "its row, downloaded, with no bar",
    )
