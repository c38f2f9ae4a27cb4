"""What one host's live state sends the fleet page's socket on that host: its column alone
(cells, head, word that models came or went), the page's frame only from the first host, what
changed since the page was rendered, and the whole column again to a page that lagged. Driven
synchronously, as tests/live/test_loop.py drives a host."""

import re

from tests.live.test_loop import harness as harness  # noqa: F401 (a fixture)
from tests.live.test_loop import messages, model
from webapp.fleet.matrix import cell_id
from webapp.live.fanout import MAILBOX_SIZE, Viewer
from webapp.live.pages import Page

LATER_HOST = "/hosts/local"  # the socket of the harness's host, were it not the first


def open_fleet_page(harness, prefix: str = LATER_HOST, since: int | None = None):
    page = Page.from_url("/fleet?q=big", "operator", "http://127.0.0.1/", prefix)
    return harness.host.open_page(page, since, Viewer(1, "session", lambda: True))


def ids(sent: list[str]) -> list[str]:
    return [found for text in sent for found in re.findall(r' id="([^"]+)"', text)]


def test_a_fleet_page_is_one_kind_on_each_host_whatever_its_filters():
    first = Page.from_url("/fleet?q=llama&state=loaded", "viewer", None, "")
    later = Page.from_url("/fleet", "viewer", None, LATER_HOST)
    assert (first.kind, first.url, first.shows_host_frame) == ("fleet", "/fleet", True)
    assert (later.kind, later.url, later.shows_host_frame) == ("fleet", "/hosts/local/fleet", False)
    assert not later.shows("big")  # no model rows: cells of its own
    assert Page.from_url("/hosts/local/fleet", "viewer", None, LATER_HOST) == later
    assert Page.from_url("/?q=fleet", None, None, LATER_HOST).kind == "list"


def test_a_later_hosts_socket_sends_its_column_alone(harness):
    harness.run()
    sent = ids(messages(open_fleet_page(harness)))
    assert set(sent) >= {"fleet-head-local", "fleet-changed-local"}
    assert {cell_id("local", name) for name in ("loaded-one", "big", "fresh")} <= set(sent)
    assert not {"footer", "banner", "downloads", "notices", "model-big"} & set(sent)
    # The first host's socket is the page's own: it sends the page's frame too.
    first = ids(messages(open_fleet_page(harness, prefix="")))
    assert {"footer", "downloads", "fleet-head-local"} <= set(first)


def test_a_download_moves_its_cell_on_every_frame(harness):
    page = open_fleet_page(harness)
    harness.run()
    messages(page)
    harness.host.action_started(harness.upstream.models["fresh"], "download", "olga", 0)
    reader = harness.readers["fresh"]
    reader.connect()
    for percent in (10, 20):  # (the clock stands still: its ticks would end the page's session)
        reader.send(f'{{"status": "IN-PROGRESS", "percentage": {percent}}}')
        harness.run()
    cells = [text for text in messages(page) if cell_id("local", "fresh") in text]
    assert "downloading 20 %" in cells[-1] and any("downloading 10 %" in text for text in cells)
    assert 'href="/models/fresh"' in cells[-1]  # (the harness's host is the first)


def test_models_that_came_or_went_make_the_page_fetch_its_matrix_again(harness):
    page = open_fleet_page(harness)
    harness.run()
    messages(page)
    harness.upstream.models["new"] = model("new")
    harness.host.fetch_models()
    changed = [text for text in messages(page) if 'id="fleet-changed-local"' in text]
    assert (
        changed and 'hx-get="/fleet"' in changed[0] and 'hx-include="#fleet-filters"' in changed[0]
    )


def test_a_change_between_a_pages_render_and_its_socket_is_sent_when_it_opens(harness):
    """Nobody watched the host meanwhile (the page's own socket was not open yet)."""
    harness.run()
    rendered_at = harness.host.snapshot.seq
    harness.upstream.models["fresh"] = model("fresh", downloaded=True)
    harness.host.fetch_models()
    sent = messages(open_fleet_page(harness, since=rendered_at))
    assert [text for text in sent if cell_id("local", "fresh") in text and "downloaded" in text]
    listed = messages(harness.open(since=rendered_at))
    assert [text for text in listed if 'id="model-fresh"' in text and "downloaded" in text]
    assert messages(open_fleet_page(harness, since=harness.host.snapshot.seq)) == []


def test_a_lagging_fleet_page_gets_its_columns_whole_state_again(harness):
    page = open_fleet_page(harness)
    harness.run()
    messages(page)
    for _ in range(MAILBOX_SIZE + 1):
        page.put("<!-- more than the page could take -->")
    assert page.lagging
    messages(page)
    harness.host.catch_up(page)
    sent = ids(messages(page))
    assert not page.lagging
    assert {"fleet-head-local", cell_id("local", "big"), cell_id("local", "fresh")} <= set(sent)
