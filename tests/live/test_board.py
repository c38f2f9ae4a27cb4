"""The models as last heard: an answer Pieces OS gave before one already shown never replaces
it (two threads may ask about one model at once and hear back in either order)."""
import time

from tests.support.models import upstream_model
from webapp.live.board import ModelBoard
from webapp.simulator.catalogue import model_id

DOWNLOADED = model_id("Phi-3-mini-4k-instruct")


def test_an_answer_asked_before_the_one_shown_is_dropped(simulator):
    board = ModelBoard(("0", "99"))
    before_loading = upstream_model(simulator, DOWNLOADED)
    asked_before = time.monotonic()
    simulator.control("PATCH", f"model/{DOWNLOADED}", {"loaded": True})
    loaded = upstream_model(simulator, DOWNLOADED)
    assert board.put(loaded)  # an action's answer: shown at once
    assert not board.put(before_loading, asked_before)
    assert board.get(DOWNLOADED).loaded
    assert board.put(before_loading, time.monotonic())  # asked later: it is the newer word
    assert not board.get(DOWNLOADED).loaded
