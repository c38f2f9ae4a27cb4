"""In Chromium: the person who acted always sees how it went, and so does everybody else, even
when a live update of the row races the action's own answer."""

import requests

from tests.support.panel_page import DOWNLOADED, expect, live_indicator, model_row

#: The issue asked for this many tries: the race it guards against lost 3 of 3 before.
TRIES = 20


def test_a_refused_load_is_seen_by_whoever_clicked_and_by_every_other_page(open_page, pieces_os):
    operator, admin = open_page("operator"), open_page("admin")
    for page in (operator, admin):
        expect(live_indicator(page)).to_be_visible()
    for attempt in range(TRIES):
        refusal = f"Not enough memory to load it (try {attempt + 1})"
        requests.post(
            f"{pieces_os.url}/__sim/faults",
            timeout=5,
            json={"route": "load", "status": 500, "text": refusal, "times": 1},
        ).raise_for_status()
        model_row(operator, DOWNLOADED).get_by_role("button", name="Load").click()
        for page in (operator, admin):
            expect(model_row(page, DOWNLOADED).get_by_role("alert")).to_contain_text(refusal)
        expect(model_row(operator, DOWNLOADED).locator(".badge")).to_have_text("downloaded")
