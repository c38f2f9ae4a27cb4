"""While Pieces OS does not answer, every page marks what it shows of it as last known (with
its time) and disables the actions that cannot work; when it answers again the marks go at
once, on every open page. Real servers on loopback: the simulator stops listening and comes
back on its port with its state; a real WebSocket client is the page."""

from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")
SLOW = {"download_seconds": 60, "tick_seconds": 0.2}


def latest(page, marker: str) -> str:
    """The last message the page received that holds ``marker``."""
    found = [message for message in page.received if marker in message]
    assert found, f"no message holding {marker!r}"
    return " ".join(found[-1].split())


def row_in(html: str, model: str) -> str:
    start = html.index(f'<tr id="model-{model}"')
    return html[start : html.index("</tr>", start)]


def test_last_known_while_unreachable_and_fresh_at_once_when_back(live_factory):
    live = live_factory(SLOW, LIVE_REFRESH_SECONDS=0.3, LIVE_HEARTBEAT_SECONDS=30)
    assert live.act(LOCAL, "download").status_code == 200
    page = live.open_page()
    page.read_until(lambda text: "Downloading now:" in text, "the download in the header")
    live.simulator.wait_until(
        lambda: live.hub.snapshot.listed_at and live.hub.snapshot.instance.runtime,
        what="Pieces OS listed and described",
    )

    live.simulator.stop_answering()
    page.read_until(
        lambda text: '<section id="model-list"' in text and "as of <time" in text,
        "the list as last listed",
    )
    footer = latest(page, '<footer id="footer"')
    assert '(Ollama 0.5.7): ready · <strong class="last-known">last known, as of <time' in footer
    assert "Pieces OS is not answering" in footer
    page.read_until(lambda text: "Downloading when last heard:" in text, "the header marked")
    header = latest(page, '<div id="downloads"')
    assert "Downloading when last heard:" in header and "Downloading now" not in header
    assert "last known, as of <time" in header
    assert "last known, as of <time" in latest(page, '<section id="machine"')
    listing = latest(page, '<section id="model-list"')
    cancel, load = row_in(listing, LOCAL), row_in(listing, DOWNLOADED)
    assert 'class="button action-cancel unavailable" disabled' in cancel
    assert 'class="button action-load unavailable" disabled' in load
    assert "Pieces OS is not answering: these actions wait until it does." in load
    assert "unavailable" in latest(page, '<div class="summary" id="summary"')  # Unload everything

    page.received.clear()
    live.simulator.answer_again()
    page.read_until(
        lambda text: '<section id="model-list"' in text and "as of" not in text,
        "the list fresh again",
    )
    assert "last known" not in latest(page, '<footer id="footer"')
    page.read_until(lambda text: "Downloading now:" in text, "the header fresh again")
    assert "last known" not in latest(page, '<section id="machine"')
    listing = latest(page, '<section id="model-list"')
    assert "unavailable" not in listing and "not answering" not in listing
    assert 'class="button action-load"' in row_in(listing, DOWNLOADED)
