"""Whatever action fails, the person who asked and everybody else see how it went: the answer
and every other open page carry the same outcome on the model's row."""

import pytest

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.models import CONFIRMED
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")  # downloaded, not loaded
LOADED = model_id("Llama-3 8B Instruct")  # loaded (outside the panel: unloading it asks)

#: (the panel's action, the simulator route it calls, the model it applies to, how it reads)
ACTIONS = [
    ("download", "download", LOCAL, "Download"),
    ("cancel", "cancel", LOCAL, "Cancel"),
    ("load", "load", DOWNLOADED, "Load"),
    ("unload", "unload", LOADED, "Unload"),
    ("delete-files", "delete_cache", DOWNLOADED, "Delete files"),
]


@pytest.mark.parametrize(
    ("action", "route", "model", "label"), ACTIONS, ids=[action for action, *_ in ACTIONS]
)
def test_a_failed_action_shows_on_the_acting_answer_and_on_every_other_page(
    live_factory, action, route, model, label
):
    live = live_factory({"download_seconds": 60, "tick_seconds": 0.1}, LIVE_HEARTBEAT_SECONDS=30)
    viewer = LivePage(live.url, "/", cookie=cookie_header(login_over_http(live.url, "viewer")))
    live.pages.append(viewer)
    if action == "cancel":
        live.act(model, "download")
        viewer.read_until_row(model, "downloading")
    problem = f"Pieces OS could not {action} it just now"
    live.simulator.control(
        "POST", "faults", {"route": route, "status": 500, "text": problem, "times": 1}
    )
    answer = live.browser.post(
        f"{live.url}/models/{model}/{action}",
        timeout=10,
        data={"next": "/", **CONFIRMED},
        headers={"HX-Request": "true"},
    )
    said = f"{label} failed (asked by operator): "
    assert said in answer.text and problem in answer.text
    seen = viewer.read_until(
        lambda text: f'<tr id="model-{model}"' in text and said in text,
        "the failure on the viewer's row",
    )
    assert problem in seen
