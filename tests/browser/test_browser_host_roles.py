"""In Chromium, on a fleet of two hosts: an admin limits an operator to one host on the Users
page (with JavaScript and without); the operator then acts there, and is a viewer on the
other host's pages."""

import pytest

from tests.support.browser_harness import SimulatorProcess
from tests.support.panel_page import DOWNLOADED, NOT_DOWNLOADED, expect, model_row


@pytest.fixture
def gpu_box():
    simulator = SimulatorProcess()
    yield simulator
    simulator.stop()


@pytest.fixture
def panel_settings(pieces_os, gpu_box) -> dict:
    return {"PIECES_OS_HOSTS": f"build-box={pieces_os.url},gpu-1={gpu_box.url}"}


@pytest.mark.parametrize("javascript", [True, False])
def test_an_operator_limited_to_one_host_acts_there_only(open_page, javascript):
    admin = open_page("admin", "/users", javascript=javascript)
    row = admin.locator("tr", has=admin.locator('td[data-label="Name"]', has_text="operator"))
    row.get_by_label("gpu-1").check()
    row.get_by_role("button", name="Change").click()
    expect(admin.locator(".flash-success")).to_have_text("operator is now operator on gpu-1.")
    row = admin.locator("tr", has=admin.locator('td[data-label="Name"]', has_text="operator"))
    expect(row.locator('td[data-label="Acts on"]')).to_have_text("gpu-1")
    expect(row.get_by_label("gpu-1")).to_be_checked()

    operator = open_page("operator", "/", javascript=javascript)
    expect(operator.locator("header")).to_contain_text("(operator on gpu-1)")
    expect(model_row(operator, DOWNLOADED)).to_be_visible()
    expect(model_row(operator, DOWNLOADED).get_by_role("button")).to_have_count(0)

    operator.goto(operator.url + "hosts/gpu-1/")
    model_row(operator, NOT_DOWNLOADED).get_by_role("button", name="Download").click()
    expect(model_row(operator, NOT_DOWNLOADED).locator(".badge").first).not_to_have_text(
        "not downloaded"
    )
    assert operator.console.problems == []
