"""What the panel says when an action fails the way the real Pieces OS fails: a 500 whose text is
an exception with its stack trace, and a 500 (not 410) for a model that vanished. The simulator's
switches make it answer so; the page and the activity log must read as a person expects."""

import re
import threading

import requests

from tests.support.models import act, rows, upstream_models
from tests.support.servers import wait_until
from webapp.simulator.catalogue import model_id

DOWNLOADED = model_id("Phi-3-mini-4k-instruct")  # downloaded, not loaded
LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
TRACE_PARTS = ("#0", "#1", "package:", ".dart:", "asynchronous suspension")


def log_entries(client, action: str) -> list[tuple[str, str]]:
    """(outcome, detail) of the activity log's entries of ``action``, newest first."""
    html = client.get(f"/activity?action={action}").text
    return re.findall(r'outcome-([a-z]+)">.*?<td data-label="Details">([^<]*)</td>', html, re.S)


def test_a_500_with_a_stack_trace_shows_its_first_line_only(simulator_factory, panel_factory):
    tight = simulator_factory(memory_gb=1, errors_with_stack_trace=True)
    client = panel_factory(PIECES_OS_URL=tight.url).test_client()
    model = next(m for m in upstream_models(tight) if m.can_load and m.ram_bytes)
    answer = act(client, model.id, "load")
    assert answer.status_code < 500
    row = rows(answer.text)[model.id][1]
    assert f"Pieces OS answered 500: Not enough memory to load {model.name}" in row
    [(outcome, detail)] = log_entries(client, "load")
    assert outcome == "failed" and detail.startswith("Pieces OS answered 500: Not enough memory")
    for shown in (row, detail, client.get("/").text):
        for part in TRACE_PARTS:
            assert part not in shown


def test_a_model_that_vanished_reads_as_gone_when_pieces_os_answers_500(
    simulator_factory, panel_factory
):
    simulator = simulator_factory(unknown_id_answers_500=True)
    client = panel_factory(PIECES_OS_URL=simulator.url, PIECES_OS_READ_TIMEOUT=10).test_client()
    # The model goes while the load is on its way: Pieces OS no longer knows the id it gets.
    simulator.control("POST", "faults", {"route": "load", "delay_seconds": 1.5, "times": 1})
    answers: list[requests.Response] = []
    loading = threading.Thread(target=lambda: answers.append(act(client, DOWNLOADED, "load")))
    loading.start()
    wait_until(lambda: simulator.stats()["requests"]["load"] == 1, "the load to reach Pieces OS")
    others = [m for m in simulator.state.store.snapshot() if m["id"] != DOWNLOADED]
    simulator.control("PUT", "models", others)
    loading.join(timeout=15)
    [answer] = answers
    assert answer.status_code == 410
    assert "This model no longer exists in Pieces OS" in answer.text
    assert "Bad state" not in answer.text
    [(outcome, detail)] = log_entries(client, "load")
    assert (outcome, detail) == ("failed", "This model no longer exists in Pieces OS")
