"""Told when your own work ends: a download or load a person started that completes or fails is
told on every page that person has open (their live sockets, and nobody else's), with a retry
on a failed download. Real panel and simulator servers on loopback, real WebSocket clients."""

import re

import requests

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage, since_of
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")  # downloaded, not loaded
LOADED = model_id("Llama-3 8B Instruct")
QUICK = {"download_seconds": 1.5, "tick_seconds": 0.05}
SLOW = {"download_seconds": 30, "tick_seconds": 0.1}
NOTICE = re.compile(
    r'<div class="work-notice work-notice-(\w+)" id="work-notice-[a-z0-9-]+-\d+"'
    r' data-notify="([^"]*)"'
)


def notices(page: LivePage) -> list[tuple[str, str]]:
    """(kind, text) of every notice the page was sent."""
    return [found.groups() for text in page.received for found in NOTICE.finditer(text)]


def notice_saying(words: str):
    return lambda text: any(words in said for _kind, said in NOTICE.findall(text))


def page_of(live, name: str, path: str = "/") -> LivePage:
    session = login_over_http(live.url, name)
    page = LivePage(live.url, path, cookie=cookie_header(session))
    live.pages.append(page)
    live.simulator.wait_until(
        lambda: live.hub.viewer_count >= len(live.pages), what=f"{name}'s page to register"
    )
    page.session = session
    return page


def test_a_download_ending_is_told_on_every_page_of_its_person_and_nobody_elses(live_factory):
    live = live_factory(QUICK, LIVE_HEARTBEAT_SECONDS=30)
    listing, activity = live.open_page(), live.open_page("/activity")
    admin = page_of(live, "admin")
    live.act(LOCAL, "download")  # as the operator
    for page in (listing, activity):
        page.read_until(notice_saying("Download of gemma-1.1-2b-it completed."), "the notice")
        assert notices(page) == [("ok", "Download of gemma-1.1-2b-it completed.")]
    # The admin's own work is told to the admin; the operator's never was.
    admin.session.post(
        f"{live.url}/models/{DOWNLOADED}/load", data={"next": "/"}, timeout=10
    ).raise_for_status()
    admin.read_until(notice_saying("Loaded Phi-3-mini-4k-instruct."), "the admin's own notice")
    assert notices(admin) == [("ok", "Loaded Phi-3-mini-4k-instruct.")]
    assert "Download of" not in "".join(admin.received)


def test_a_failed_download_is_told_with_a_retry_that_is_logged(live_factory):
    live = live_factory(SLOW, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page()
    live.act(LOCAL, "download")
    page.read_until_row(LOCAL, "downloading")
    live.simulator.control("POST", f"download/{LOCAL}/fail", {"at_percentage": 0})
    told = page.read_until(notice_saying("failed at"), "the failure's notice")
    [(kind, text)] = notices(page)
    assert kind == "failed" and text.startswith("Download of gemma-1.1-2b-it failed at 0")
    assert f'hx-post="/models/{LOCAL}/download"' in told and "Retry the download" in told
    retry = {"next": "/", "view": "notice", "retry": "yes"}
    # Operators and admins only, and only with the session's CSRF token.
    viewer = login_over_http(live.url, "viewer")
    assert (
        viewer.post(f"{live.url}/models/{LOCAL}/download", data=retry, timeout=10).status_code
        == 403
    )
    forged = requests.post(
        f"{live.url}/models/{LOCAL}/download",
        data=retry,
        cookies=live.browser.cookies,
        timeout=10,
    )
    assert forged.status_code == 400
    answer = live.browser.post(
        f"{live.url}/models/{LOCAL}/download",
        data=retry,
        headers={"HX-Request": "true"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert "Downloading gemma-1.1-2b-it again: you will be told how it ends." in answer.text
    log = live.browser.get(f"{live.url}/activity?action=download", timeout=5).text
    assert "Downloading again (a retry)…" in log
    page.read_until_row(LOCAL, "downloading")


def test_a_failed_load_is_told_without_a_retry(live_factory):
    live = live_factory({**QUICK, "memory_gb": 1}, LIVE_HEARTBEAT_SECONDS=30)
    page = live.open_page("/activity")
    live.act(DOWNLOADED, "load")
    page.read_until(notice_saying("Load of Phi-3-mini-4k-instruct failed"), "the failure")
    [(kind, text)] = notices(page)
    assert kind == "failed" and "Not enough memory" in text
    assert "Retry the download" not in "".join(page.received)  # only downloads are retried


def open_at(live, path: str, since: str | None) -> LivePage:
    """The socket of ``path`` as rendered at mark ``since``, opened now."""
    page = LivePage(live.url, path, cookie=cookie_header(live.browser), since=since)
    live.pages.append(page)
    return page


def test_a_page_opened_right_after_the_work_ended_is_told_too(live_factory):
    """The person was between pages when it ended: the page they open next says it."""
    live = live_factory(QUICK, LIVE_HEARTBEAT_SECONDS=30)
    live.open_page()  # (the live state is followed)
    rendered = live.browser.get(f"{live.url}/activity", timeout=5).text
    live.act(DOWNLOADED, "load")  # ends while no page of the operator's is being rendered
    late = open_at(live, "/activity", since_of(rendered))
    late.read_until(notice_saying("Loaded Phi-3-mini-4k-instruct."), "the notice it missed")
    # A page rendered after it, or in an earlier run of the panel (no mark), is not told again.
    later = open_at(live, "/", since_of(live.browser.get(f"{live.url}/", timeout=5).text))
    unmarked = open_at(live, "/", None)
    live.act(DOWNLOADED, "unload")  # news for both, after anything sent as they opened
    for page in (later, unmarked):
        page.read_until_row(DOWNLOADED, "downloaded")
        assert not notices(page)
