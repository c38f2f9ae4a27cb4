"""How each download ended reaches the activity log and the model's row, in every open page:
completed, failed at N %, cancelled by whom, lost (Pieces OS restarted, the model vanished).
Real simulator and panel servers on loopback, real WebSocket clients as the pages."""

import re

import requests

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import PERCENT, LivePage
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
SLOW = {"download_seconds": 30, "tick_seconds": 0.1}
ENDING = re.compile(r'class="download-ending ending-(\w+)" role="status">Download ([^<]*)\.</p>')
AT = re.compile(r"at ([0-9.]+) %")


def download_log(live, **filters: str) -> list[tuple[str, str, str]]:
    """The download entries of the model: (user, outcome, detail), newest first; ``filters``
    are more of the Activity page's (e.g. ``outcome="failed"``)."""
    params = {"action": "download", **filters}
    html = live.browser.get(f"{live.url}/activity", params=params, timeout=5).text
    rows = re.findall(
        r'<td data-label="Who">([^<]*)</td>.*?outcome-([a-z]+)">.*?'
        r'<td data-label="Details">([^<]*)</td>',
        html,
        re.S,
    )
    return [(user, outcome, detail) for user, outcome, detail in rows]


def ending_on(html: str) -> tuple[str, str] | None:
    found = ENDING.search(html)
    return (found[1], found[2]) if found else None


def shows_ending(kind: str):
    return lambda text: f"ending-{kind}" in text


def viewer_page(live) -> LivePage:
    viewer = login_over_http(live.url, "viewer")
    page = LivePage(live.url, cookie=cookie_header(viewer))
    live.pages.append(page)
    live.simulator.wait_until(
        lambda: live.hub.viewer_count >= len(live.pages), what="the viewer's page to register"
    )
    return page


def test_a_completed_download_is_logged_and_noted_on_its_row_until_dismissed(live):
    """As the README says of every ending: a completed download too."""
    page = live.open_page()
    assert download_log(live) == []
    live.act(LOCAL, "download")
    assert download_log(live) == [("operator", "pending", "Downloading…")]
    done = page.read_until(shows_ending("completed"), "the download's end")
    assert ending_on(done) == ("completed", "completed")
    assert 'data-state="downloaded"' in done
    live.simulator.wait_until(
        lambda: download_log(live)[0][1] != "pending", what="the entry to be settled"
    )
    assert download_log(live) == [("operator", "ok", "Download completed.")]
    assert "Download completed." in live.browser.get(live.url + "/", timeout=5).text
    assert live.act(LOCAL, "dismiss").status_code == 200
    assert "Download completed." not in live.browser.get(live.url + "/", timeout=5).text


def test_a_failure_says_at_which_percentage_in_every_page_and_in_the_log(live_factory):
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30)
    operator, viewer = live.open_page(), viewer_page(live)
    live.act(LOCAL, "download")
    operator.read_until(
        lambda text: any(float(value) >= 5 for value in PERCENT.findall(text)), "5 %"
    )
    live.simulator.control("POST", f"download/{LOCAL}/fail", {"at_percentage": 8})
    for page in (operator, viewer):
        kind, text = ending_on(page.read_until(shows_ending("failed"), "the failure"))
        assert kind == "failed" and 5 <= float(AT.search(text)[1]) < 8, text
    assert download_log(live) == [("operator", "failed", f"Download {text}.")]
    row = live.browser.get(live.url + "/", timeout=5).text
    assert f"Download {text}." in row  # and a page opened now says it too


def test_a_cancel_by_another_user_says_who_in_every_page_and_in_the_log(live_factory):
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30)
    operator, viewer = live.open_page(), viewer_page(live)
    live.act(LOCAL, "download")
    operator.read_until_row(LOCAL, "downloading")
    olga = login_over_http(live.url, "admin")
    olga.post(
        f"{live.url}/models/{LOCAL}/cancel", data={"next": "/", "confirmed": "yes"}, timeout=10
    )
    for page in (operator, viewer):
        kind, text = ending_on(page.read_until(shows_ending("cancelled"), "the cancel"))
        assert text.startswith("cancelled by admin at "), text
    assert download_log(live) == [("operator", "cancelled", f"Download {text}.")]
    # A deliberate cancel is told apart from a failure by the Activity page's outcome filter.
    assert download_log(live, outcome="cancelled") == download_log(live)
    assert download_log(live, outcome="failed") == []


def test_a_cancel_outside_the_panel_is_told_apart(live_factory):
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    requests.post(f"{live.simulator.url}/model/{LOCAL}/download/cancel", timeout=5)
    kind, text = ending_on(page.read_until(shows_ending("cancelled"), "the cancel"))
    assert text.startswith("cancelled outside the panel at "), text
    assert download_log(live)[0][1:] == ("cancelled", f"Download {text}.")


def test_a_download_lost_when_pieces_os_restarts_says_so(live_factory, tmp_path):
    port_file = tmp_path / ".port.txt"
    live = live_factory(
        {**SLOW, "port_file": port_file},
        LIVE_HEARTBEAT_SECONDS=30,
        PIECES_OS_URL=None,
        PIECES_OS_PORT_FILE=str(port_file),
    )
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    # Pieces OS ends, with its downloads, and starts again on another port.
    live.simulator.control("POST", "reset")
    live.simulator.restart_on_another_port()
    kind, text = ending_on(page.read_until(shows_ending("lost"), "the lost download"))
    assert re.fullmatch(r"lost at [0-9.]+ %: Pieces OS restarted", text), text
    assert download_log(live) == [("operator", "failed", f"Download {text}.")]


def test_a_download_whose_model_vanishes_is_lost(live_factory):
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30, LIVE_REFRESH_SECONDS=0.3)
    # The model vanishes without a word on the identifiers stream: the list, polled while that
    # stream is down, shows it gone.
    live.simulator.control("POST", "faults", {"route": "identifiers", "status": 503})
    live.open_page()
    live.act(LOCAL, "download")
    models = requests.get(f"{live.simulator.url}/models", timeout=5).json()["iterable"]
    live.simulator.control(
        "PUT", "models", [model for model in models if model["id"] != LOCAL]
    ).raise_for_status()
    live.simulator.wait_until(
        lambda: download_log(live)[0][1] != "pending", what="the entry to be settled"
    )
    ((user, outcome, detail),) = download_log(live)
    assert (user, outcome) == ("operator", "failed")
    assert re.fullmatch(
        r"Download lost at [0-9.]+ %: the model vanished from Pieces OS\.", detail
    ), detail


def test_a_download_started_by_another_tool_is_logged_with_its_end(live_factory):
    live = live_factory(
        {"download_seconds": 2, "tick_seconds": 0.05},
        LIVE_REFRESH_SECONDS=0.3,
        LIVE_HEARTBEAT_SECONDS=30,
    )
    page = live.open_page()
    requests.post(f"{live.simulator.url}/model/{LOCAL}/download", timeout=5)
    page.read_until(lambda text: "started by (another tool)" in text, "the other tool's download")
    page.read_until_row(LOCAL, "downloaded")
    live.simulator.wait_until(
        lambda: download_log(live)[0][1] != "pending", what="the entry to be settled"
    )
    assert download_log(live) == [("(another tool)", "ok", "Download completed.")]


def test_a_new_download_clears_how_the_last_one_ended(live_factory):
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    live.act(LOCAL, "cancel")
    page.read_until(shows_ending("cancelled"), "the cancel")
    answer = live.act(LOCAL, "download")
    assert "download-ending" not in answer.text
    assert "download-ending" not in page.read_until_row(LOCAL, "downloading")


def test_a_models_page_and_the_activity_page_hear_how_it_ended(live):
    detail = live.open_page(f"/models/{LOCAL}")
    activity = live.open_page("/activity?user=oper")
    live.act(LOCAL, "download")
    detail.read_until(
        lambda text: (
            bool(re.search(r'<section id="history"[^>]*hx-swap-oob="true"', text))
            and "Download completed." in text.partition('<section id="history"')[2]
        ),
        "the log's news in the model's history",
    )
    told = activity.read_until(lambda text: 'id="activity-changed"' in text, "the log's news")
    assert 'hx-get="/activity"' in told and 'hx-trigger="load"' in told


def silent_download_elsewhere(live_factory):
    """Another tool's download that sends nothing: the panel follows it, its socket silent."""
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30, LIVE_REFRESH_SECONDS=0.3)
    page = live.open_page()
    live.simulator.control("PATCH", f"model/{LOCAL}", {"downloading": True})
    page.read_until_row(LOCAL, "downloading")
    live.simulator.wait_until(
        lambda: live.simulator.open_sockets(LOCAL) == 1, what="the panel's relay"
    )
    return live, page


def push(live, frame: dict) -> None:
    delivered = live.simulator.control("POST", f"progress/{LOCAL}", {"frame": frame}).json()
    assert delivered["delivered"] == 1


def test_a_final_status_first_is_ignored_while_pieces_os_says_downloading(live_factory):
    live, page = silent_download_elsewhere(live_factory)
    push(live, {"status": "CANCELED"})  # an earlier attempt's, re-sent
    push(live, {"status": "IN-PROGRESS", "percentage": 3})
    assert "download-ending" not in page.read_until(
        lambda text: '<progress max="100" value="3.0"' in text, "the 3 % after it"
    )
    assert live.hub.snapshot.row(None, LOCAL).progress is not None


def test_a_final_status_first_ends_the_download_when_pieces_os_agrees(live_factory):
    live, page = silent_download_elsewhere(live_factory)
    live.simulator.control("PATCH", f"model/{LOCAL}", {"downloading": False})
    push(live, {"status": "CANCELED"})  # this attempt's: it ended before sending anything
    kind, text = ending_on(page.read_until(shows_ending(""), "how it ended"))
    assert text == "cancelled outside the panel at 0 %"
    assert download_log(live) == [("(another tool)", "cancelled", f"Download {text}.")]


def test_pages_reload_themselves_without_javascript_only_while_it_runs(live_factory):
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30)
    refresh = '<noscript><meta http-equiv="refresh" content="5"></noscript>'

    def has_refresh(path: str) -> bool:
        return refresh in live.browser.get(live.url + path, timeout=5).text

    assert not has_refresh("/")
    live.act(LOCAL, "download")
    assert has_refresh("/") and has_refresh(f"/models/{LOCAL}")
    other = model_id("Phi-3-mini-4k-instruct")
    assert not has_refresh(f"/models/{other}") and not has_refresh("/activity")
    live.act(LOCAL, "cancel")
    live.simulator.wait_until(lambda: not has_refresh("/"), what="the download to end")
