"""In Chromium: an admin adds a host on the Hosts page, tests it in place, and removes it; a
page of the removed host that was open says so, stops its live updates for good and disables
what can no longer work."""

import pytest

from tests.support.browser_harness import SimulatorProcess
from tests.support.panel_page import DOWNLOADED, expect, live_indicator, model_row


@pytest.fixture
def another_pieces_os():
    simulator = SimulatorProcess()
    yield simulator
    simulator.stop()


def test_add_test_and_remove_a_host_while_its_page_is_open(open_page, another_pieces_os):
    pieces_os = another_pieces_os
    admin = open_page("admin", "/hosts")
    admin.get_by_label("Name", exact=True).fill("gpu-2")
    admin.get_by_label("Address of its Pieces OS").fill(pieces_os.url)
    admin.get_by_role("button", name="Add host").click()
    expect(admin.locator(".flash-success")).to_have_text("Added gpu-2 (Pieces OS 12.3.11).")

    row = admin.locator("#host-gpu-2")
    row.get_by_role("button", name="Test gpu-2").click()
    expect(row.locator(".host-answer")).to_contain_text(
        f"Asked now: Pieces OS 12.3.11 answers at {pieces_os.url}."
    )

    operator = open_page("operator", "/hosts/gpu-2/")
    expect(live_indicator(operator)).to_be_visible()
    admin.locator("#host-gpu-2").get_by_role("link", name="Remove gpu-2").click()
    expect(admin.get_by_text("Remove the host gpu-2?")).to_be_visible()
    admin.get_by_role("button", name="Remove gpu-2").click()
    expect(admin.locator(".flash-success")).to_have_text("Removed gpu-2.")

    gone = operator.locator("#host-gone")
    expect(gone).to_have_text(
        "admin removed the host gpu-2 from the panel: nothing on this page can be done any "
        "more. The models of the panel's first host."
    )
    expect(operator.locator("#live-status").get_by_text("host gone")).to_be_visible()
    expect(operator.locator("#panel-unreachable")).to_be_hidden()
    row = model_row(operator, DOWNLOADED)
    expect(row.get_by_role("button", name="Load")).to_be_disabled()
    expect(row.get_by_role("link", name="Delete files")).to_have_attribute("aria-disabled", "true")
    expect(operator.get_by_role("button", name="Log out")).to_be_enabled()
    gone.get_by_role("link", name="The models of the panel's first host").click()
    expect(model_row(operator, DOWNLOADED)).to_be_visible()
    assert operator.console.problems == []
