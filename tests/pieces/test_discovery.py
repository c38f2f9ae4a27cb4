"""Finding Pieces OS like the official clients: HEAD /.well-known/health, first 200 wins."""
from tests.support.servers import serve_in_thread
from tests.support.stub_upstream import StubUpstream
from webapp.pieces import discovery


def test_candidates_are_the_legacy_port_then_the_range():
    urls = discovery.candidate_urls()
    assert urls[0] == "http://127.0.0.1:1000"
    assert urls[1] == "http://127.0.0.1:39300" and urls[-1] == "http://127.0.0.1:39333"
    assert len(urls) == 35


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
