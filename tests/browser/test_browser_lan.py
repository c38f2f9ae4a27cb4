"""In Chromium: the panel set up for a LAN, where TRUSTED_HOSTS names the addresses people use."""

import pytest

from tests.support.panel_page import NOT_DOWNLOADED, expect, model_row, progress_above


@pytest.mark.parametrize("panel_settings", [{"TRUSTED_HOSTS": "panel.lan,127.0.0.1"}])
def test_with_trusted_hosts_set_pages_still_update_by_themselves(open_page):
    page = open_page("operator")
    model_row(page, NOT_DOWNLOADED).get_by_role("button", name="Download").click()
    first = progress_above(page, NOT_DOWNLOADED, 0)
    progress_above(page, NOT_DOWNLOADED, first)
    expect(model_row(page, NOT_DOWNLOADED).locator(".progress")).to_contain_text(
        "started by operator"
    )
    assert page.console.problems == []
