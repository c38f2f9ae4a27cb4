"""``GET /metrics``: parsed with prometheus_client's own parser, its figures match what the
simulator holds and what the panel did; only METRICS_ALLOWED addresses may read it."""

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.accounts import login_over_http
from tests.support.panel_page import DOWNLOADED
from webapp.config import parse_networks


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    answer = requests.get(url + "/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def states_in(simulator) -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in requests.get(simulator.url + "/models", timeout=10).json()["iterable"]:
        if model.get("denied"):
            state = "denied"
        elif model["cloud"]:
            state = "cloud"
        elif model.get("downloading"):
            state = "downloading"
        elif model.get("loaded"):
            state = "loaded"
        else:
            state = "downloaded" if model.get("downloaded") else "not_downloaded"
        counts[state] = counts.get(state, 0) + 1
    return counts


def test_the_hosts_figures_match_pieces_os(live):
    live.browser.get(live.url + "/", timeout=10)  # the panel has listed the models
    samples = scrape(live.url)
    assert samples[("pieces_os_up", (("host", "local"),))] == 1
    version = requests.get(live.simulator.url + "/.well-known/version", timeout=10).text.strip('"')
    assert samples[("pieces_os_info", (("host", "local"), ("version", version)))] == 1
    for state, count in states_in(live.simulator).items():
        assert samples[("pieces_os_models", (("host", "local"), ("state", state)))] == count


def test_open_pages_requests_and_outcomes_are_counted(live):
    activity = (
        "panel_requests_total",
        (("method", "GET"), ("route", "/activity"), ("status", "200")),
    )
    timed = ("panel_request_duration_seconds_count", (("route", "/activity"),))
    before = scrape(live.url)
    live.open_page("/")
    assert live.act(DOWNLOADED, "load").status_code == 200
    live.browser.get(live.url + "/activity", timeout=10)
    samples = scrape(live.url)
    assert samples[("panel_open_pages", (("host", "local"), ("page", "list")))] == 1
    loads = ("panel_actions_total", (("action", "load"), ("host", "local"), ("outcome", "ok")))
    assert samples[loads] == 1
    assert samples[activity] == before.get(activity, 0) + 1
    assert samples[timed] == before.get(timed, 0) + 1


def test_a_host_that_stopped_answering_is_down(live):
    live.simulator.control("POST", "faults", {"route": "list", "status": 500})
    live.browser.get(live.url + "/", timeout=10)
    assert scrape(live.url)[("pieces_os_up", (("host", "local"),))] == 0


@pytest.mark.parametrize("allowed, status", [(None, 403), ("192.0.2.0/24", 200)])
def test_only_allowed_addresses_may_read_them(panel_factory, allowed, status):
    settings = {"METRICS_ALLOWED": parse_networks(allowed)} if allowed else {}
    client = panel_factory(**settings).test_client(user=None)
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert answer.status_code == status
    if status == 403:
        assert "METRICS_ALLOWED" in answer.get_data(as_text=True)


def test_a_logged_in_account_from_elsewhere_is_refused_too(live_factory):
    panel = live_factory(METRICS_ALLOWED=parse_networks("192.0.2.1"))
    operator = login_over_http(panel.url, "operator")
    assert operator.get(panel.url + "/metrics", timeout=10).status_code == 403


def test_loopback_written_as_an_ipv6_mapped_address_is_loopback(panel_factory):
    client = panel_factory().test_client(user=None)
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"})
    assert answer.status_code == 200
