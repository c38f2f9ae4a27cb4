"""Finding Pieces OS like the official clients: the port file, then the range, then the old
ports; HEAD /.well-known/health, first 200 wins."""

import pytest

from tests.support.servers import serve_in_thread
from tests.support.stub_upstream import StubUpstream
from webapp.pieces import discovery


def test_candidates_are_the_port_file_then_the_range_then_the_old_ports(tmp_path):
    port_file = tmp_path / ".port.txt"
    port_file.write_text("39317\n")
    urls = discovery.candidate_urls(port_file)
    assert urls[0] == "http://127.0.0.1:39317"
    assert urls[1] == "http://127.0.0.1:39300" and urls[33] == "http://127.0.0.1:39333"
    assert urls[34:] == ["http://127.0.0.1:1000", "http://127.0.0.1:5323"]  # Linux
    assert len(set(urls)) == len(urls) == 36


@pytest.mark.parametrize("content", [None, "", "not a port", "70000", "-1"])
def test_without_a_usable_port_file_the_scan_starts_at_the_range(tmp_path, content):
    port_file = tmp_path / ".port.txt"
    if content is not None:
        port_file.write_text(content)
    assert discovery.candidate_urls(port_file)[0] == "http://127.0.0.1:39300"


def test_the_default_port_file_is_where_pieces_os_writes_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert discovery.default_port_file() == (
        tmp_path / "Documents" / "com.pieces.os" / "production" / "Config" / ".port.txt"
    )


def test_looking_again_happens_at_most_once_per_interval():
    now, looks = [100.0], []
    locator = discovery.Locator(
        lambda: looks.append(now[0]) or "http://127.0.0.1:39303",
        interval_seconds=5,
        clock=lambda: now[0],
    )
    assert locator.relocate() == "http://127.0.0.1:39303"
    now[0] += 4
    assert locator.relocate() is None  # too soon: nothing scanned
    now[0] += 2
    assert locator.relocate() == "http://127.0.0.1:39303"
    assert looks == [100.0, 106.0]


def test_first_candidate_answering_200_wins(simulator, closed_port_url):
    unhealthy = StubUpstream(status=503, body=b"starting", content_type="text/plain")
    server = serve_in_thread(unhealthy)
    try:
        found = discovery.discover([closed_port_url, server.url, simulator.url, server.url])
    finally:
        server.stop()
    assert found == simulator.url
    assert unhealthy.received == ["HEAD /.well-known/health"]
    assert simulator.stats()["requests"]["health"] == 1


def test_nothing_found(closed_port_url):
    assert discovery.discover([closed_port_url]) is None


def test_slow_answer_counts_as_absent(simulator):
    simulator.control("POST", "faults", {"route": "health", "delay_seconds": 1})
    assert discovery.discover([simulator.url], timeout=0.1) is None
