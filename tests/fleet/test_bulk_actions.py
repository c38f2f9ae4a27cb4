"""Bulk actions on the fleet page: one model downloaded, loaded, unloaded or its files deleted on
several hosts in one submit. A confirmation names every host and what each gets or loses; the
confirmed action runs on each host through the buttons' code, one after another, each logged
with its host, and the answer says how it went on each; bad input and people who may not act
are refused, saying why."""

import re

import pytest

from tests.fleet.test_fleet_page import DOWNLOADED, LOADED, listed
from tests.fleet.test_host_roles import limit
from tests.support.models import upstream_model
from tests.support.panel_fixtures import FLEET
from tests.support.servers import wait_until
from webapp.db import connect
from webapp.fleet import access
from webapp.simulator.catalogue import model_id

NOT_DOWNLOADED = model_id("gemma-1.1-2b-it")
BOTH = {"host": list(FLEET)}
CONFIRMED = {"confirmed": "yes", "next": "/fleet?q=gemma-1.1-2b"}


@pytest.fixture
def operator(fleet_panel):
    listed(fleet_panel)
    return fleet_panel.test_client(user="operator")


def outcomes(page: str) -> dict[str, tuple[str, str]]:
    """Host -> (outcome, what it said), as the answer lists them."""
    found = re.findall(
        r'<li data-host="([^"]+)" data-outcome="([^"]+)">.*?</span> (.*?)(?: Follow it .*?)?</li>',
        page,
        re.S,
    )
    return {host: (outcome, said.strip()) for host, outcome, said in found}


def logged(panel, action: str) -> list[tuple[str, str, str]]:
    with connect(panel.config["DATABASE"]) as db:
        rows = db.execute(
            "SELECT host, user, outcome FROM activity WHERE action = ? ORDER BY id", (action,)
        )
        return [tuple(row) for row in rows]


def test_the_confirmation_names_every_host_and_what_each_loses(operator):
    deleting = operator.get(
        "/fleet/bulk", query_string={"model": DOWNLOADED, "action": "delete-files", **BOTH}
    )
    assert deleting.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", deleting.text).split())
    assert "Delete the files of Phi-3-mini-4k-instruct on 2 hosts?" in text
    for host in FLEET:
        assert (
            f"{host}: frees 2.19 GB of disk; using it there again means downloading it again."
            in text
        )
    unloading = operator.get(
        "/fleet/bulk", query_string={"model": LOADED, "action": "unload", **BOTH}
    )
    assert f"{FLEET[1]}: it leaves memory (5.80 GB freed)" in unloading.text
    # The form that does it carries every host, and the confirmation.
    assert unloading.text.count('<input type="hidden" name="host"') == 2
    assert '<input type="hidden" name="confirmed" value="yes">' in unloading.text


def test_a_confirmed_download_runs_on_each_host_and_says_how_it_went_on_each(
    fleet_panel, operator, simulator, second_simulator
):
    answer = operator.post(
        "/fleet/bulk",
        data={"model": NOT_DOWNLOADED, "action": "download", **BOTH, **CONFIRMED},
        follow_redirects=True,
    )
    assert answer.status_code == 200
    assert outcomes(answer.text) == {host: ("pending", "Downloading…") for host in FLEET}
    for pieces_os in (simulator, second_simulator):
        assert pieces_os.stats()["requests"].get("download") == 1
    assert logged(fleet_panel, "download") == [(host, "operator", "pending") for host in FLEET]
    # The answer is the fleet page, filtered as it was, of no one host (its frame is the first
    # host's, as on any page without a host prefix), saying nothing but how it went.
    assert 'value="gemma-1.1-2b"' in answer.text and "Showing 1 of" in answer.text
    assert '<a href="/" aria-current' not in answer.text and '<a href="/">Models</a>' in answer.text
    assert f"<code>{simulator.url}</code>" in answer.text  # the footer
    assert 'class="flash' not in answer.text


def test_a_host_that_refuses_or_fails_does_not_stop_the_others(
    fleet_panel, operator, simulator, second_simulator
):
    gone_model = {"id": "on-both-once", "name": "On Both Once", "cloud": False}
    for pieces_os in (simulator, second_simulator):
        pieces_os.control("POST", "models", {**gone_model, "downloaded": True}).raise_for_status()
    listed(fleet_panel)
    assert operator.post(f"/hosts/{FLEET[1]}/models/on-both-once/load").status_code == 303
    simulator.stop_answering()
    answer = operator.post(
        "/fleet/bulk",
        data={"model": "on-both-once", "action": "delete-files", **BOTH, **CONFIRMED},
        follow_redirects=True,
    )
    said = outcomes(answer.text)
    assert said[FLEET[0]][0] == "failed" and "not reachable" in said[FLEET[0]][1]
    assert said[FLEET[1]] == (
        "refused",
        "Cannot delete the files of On Both Once: it is loaded; unload it first.",
    )
    simulator.answer_again()
    answer = operator.post(
        "/fleet/bulk",
        data={"model": "on-both-once", "action": "unload", **BOTH, **CONFIRMED},
        follow_redirects=True,
    )
    assert outcomes(answer.text) == {
        FLEET[0]: ("refused", "Cannot unload On Both Once: it is downloaded."),
        FLEET[1]: ("ok", "Unload: done."),
    }
    assert not upstream_model(second_simulator, "on-both-once").loaded
    assert logged(fleet_panel, "delete-files") == [
        (FLEET[0], "operator", "failed"),
        (FLEET[1], "operator", "refused"),
    ]


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"action": "cancel", **BOTH}, "The action must be one of: download, load, unload"),
        ({"action": "remove", **BOTH}, "The action must be one of"),
        ({"action": "load", "host": "nowhere"}, "There is no host named &#39;nowhere&#39;."),
        ({"action": "load"}, "Tick at least one host."),
        ({"action": "load", **BOTH, "model": "x" * 300}, "a model id has at most 256 characters"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_request_that_says_no_one_thing_to_do_is_refused_saying_why(
    operator, simulator, fields, said, method
):
    values = {"model": DOWNLOADED, **fields, **CONFIRMED}
    if method == "GET":
        answer = operator.get("/fleet/bulk", query_string=values)
    else:
        answer = operator.post("/fleet/bulk", data=values)
    assert answer.status_code == 400
    assert said in answer.text
    asked = simulator.stats()["requests"]
    assert asked.get("load", 0) == asked.get("download", 0) == 0


def test_nothing_is_done_unconfirmed_or_without_the_forms_token(fleet_panel, simulator):
    listed(fleet_panel)
    fields = {"model": NOT_DOWNLOADED, "action": "download", "host": FLEET[0]}
    unconfirmed = fleet_panel.test_client(user="operator").post("/fleet/bulk", data=fields)
    assert unconfirmed.status_code == 400 and "must be confirmed first" in unconfirmed.text
    forged = fleet_panel.test_client(user="operator", csrf_header=False)
    assert forged.post("/fleet/bulk", data={**fields, **CONFIRMED}).status_code == 400
    assert simulator.stats()["requests"].get("download", 0) == 0


def test_a_viewer_may_not_and_is_logged_refused(fleet_panel, simulator):
    listed(fleet_panel)
    viewer = fleet_panel.test_client(user="viewer")
    fields = {"model": NOT_DOWNLOADED, "action": "download", "host": FLEET[0], **CONFIRMED}
    asked = viewer.get("/fleet/bulk", query_string=fields)
    done = viewer.post("/fleet/bulk", data=fields)
    assert asked.status_code == done.status_code == 403
    assert viewer.get("/fleet/bulk").status_code == 403  # before anything is said of the fields
    assert "only operators and admins can" in done.text
    assert simulator.stats()["requests"].get("download", 0) == 0
    assert logged(fleet_panel, "access") == [(None, "viewer", "refused")] * 3


def test_an_operator_limited_to_some_hosts_is_offered_and_acts_on_those_alone(
    fleet_panel, simulator, second_simulator
):
    limit(fleet_panel, "operator", FLEET[0])
    listed(fleet_panel)
    operator = fleet_panel.test_client(user="operator")
    page = operator.get("/fleet?q=gemma-1.1-2b").text
    assert f'value="{FLEET[0]}"' in page and f'value="{FLEET[1]}"' not in page
    fields = {"model": NOT_DOWNLOADED, "action": "download", **BOTH, **CONFIRMED}
    refused = operator.post("/fleet/bulk", data=fields)
    assert refused.status_code == 403
    assert f"you can act on {FLEET[0]} only, not on {FLEET[1]}." in refused.text
    assert second_simulator.stats()["requests"].get("download", 0) == 0
    assert simulator.stats()["requests"].get("download", 0) == 0  # nothing, on no host
    done = operator.post("/fleet/bulk", data={**fields, "host": FLEET[0]}, follow_redirects=True)
    assert outcomes(done.text) == {FLEET[0]: ("pending", "Downloading…")}


def test_one_function_says_on_which_hosts_a_person_may_act(fleet_panel, operator, monkeypatch):
    monkeypatch.setattr(access, "may_act_on", lambda _user, host: host != FLEET[1])
    page = operator.get("/fleet?q=gemma-1.1-2b").text
    assert f'value="{FLEET[0]}"' in page and f'value="{FLEET[1]}"' not in page
    fields = {"model": NOT_DOWNLOADED, "action": "download", **BOTH, **CONFIRMED}
    assert operator.post("/fleet/bulk", data=fields).status_code == 403
    monkeypatch.setattr(access, "may_act_on", lambda _user, _host: False)
    assert "On several hosts" not in operator.get("/fleet").text
    assert operator.get("/fleet/bulk", query_string=fields).status_code == 403


def test_the_answer_is_a_redirect_whose_page_says_how_it_goes_now(
    fleet_panel, operator, simulator, second_simulator
):
    answer = operator.post(
        "/fleet/bulk", data={"model": NOT_DOWNLOADED, "action": "download", **BOTH, **CONFIRMED}
    )
    assert answer.status_code == 303
    result_url = answer.headers["Location"]
    assert result_url.startswith("/fleet/bulk/done?") and result_url.endswith("#bulk-result")
    pending = operator.get(result_url).text
    assert outcomes(pending) == {host: ("pending", "Downloading…") for host in FLEET}
    assert f'href="/activity?model={NOT_DOWNLOADED}&amp;host={FLEET[1]}"' in pending
    assert '<meta http-equiv="refresh"' in pending  # without JavaScript, it reloads meanwhile

    def settled() -> bool:
        said = outcomes(operator.get(result_url).text)
        return {outcome for outcome, _said in said.values()} == {"ok"}

    # With JavaScript the box follows the pending hosts: it fetches itself again (its hidden
    # form names the entries) when the fleet page's socket says the log changed.
    follow = re.search(r'<form id="bulk-result-entries" hidden>(.*?)</form>', pending, re.S)
    assert follow is not None and 'id="bulk-result-follow"' in pending
    query = re.findall(r'name="(entry|next)" value="([^"]*)"', follow[1])
    box = operator.get("/fleet/bulk/result", query_string=query).text
    assert box.lstrip().startswith('<section id="bulk-result"') and "<html" not in box
    assert outcomes(box) == outcomes(pending)
    wait_until(settled, "both downloads logged as done", timeout=20)
    reloaded = operator.get(result_url).text
    assert "Follow it" not in reloaded and "bulk-result-follow" not in reloaded
    for pieces_os in (simulator, second_simulator):
        assert pieces_os.stats()["requests"].get("download") == 1  # reloading did nothing


@pytest.mark.parametrize(
    "entries",
    [[], ["x"], ["1", "2", "3"], ["99999"], ["-1"]],
)
def test_a_result_of_no_one_bulk_action_is_refused_saying_why(operator, entries):
    for path in ("/fleet/bulk/done", "/fleet/bulk/result"):
        answer = operator.get(path, query_string={"entry": entries})
        assert answer.status_code == 400
        said = answer.text
        assert "log entry numbers" in said or "not one action on several hosts" in said
