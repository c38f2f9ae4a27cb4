"""The Pieces OS client: each error type, id checks, and the happy paths against the simulator."""

import json
from unittest import mock

import pytest
import requests

from tests.support.servers import serve_in_thread
from tests.support.stub_upstream import StubUpstream
from webapp.pieces.client import (
    InvalidModelId,
    MalformedResponse,
    ModelGone,
    PiecesClient,
    TimedOut,
    Unreachable,
    UpstreamFailed,
)
from webapp.pieces.error_text import MAX_SHOWN

MODEL_ID = "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11"
VALID_MODEL = json.dumps(
    {
        "id": MODEL_ID,
        "name": "n",
        "version": "1",
        "cloud": False,
        "type": "SPEED",
        "usage": "OCR",
        "created": {"value": "2024-07-23T00:00:00.000Z"},
    }
)


@pytest.fixture(scope="module")
def stub():
    upstream = StubUpstream()
    server = serve_in_thread(upstream)
    yield upstream, server.url
    server.stop()


@pytest.fixture
def stub_client(stub):
    upstream, url = stub
    upstream.answer()
    upstream.received.clear()
    upstream.raw_targets.clear()
    # Generous timeouts: a loaded CI machine must not turn an answer into a timeout. The tests
    # of timeouts build their own client with short ones (``short_timeout_client``).
    return upstream, PiecesClient(url, connect_timeout=5, read_timeout=10, load_timeout=20)


@pytest.fixture
def short_timeout_client(stub_client, stub):
    upstream, _ = stub_client
    return upstream, PiecesClient(stub[1], connect_timeout=5, read_timeout=0.3, load_timeout=5)


class TestErrors:
    def test_410_is_model_gone(self, stub_client):
        upstream, client = stub_client
        upstream.answer(410, "model was not found.", "text/plain")
        with pytest.raises(ModelGone, match="no longer exists"):
            client.get_model(MODEL_ID)

    def test_500_carries_pieces_os_text(self, stub_client):
        upstream, client = stub_client
        upstream.answer(500, "out of memory: need 2 GB more", "text/plain")
        with pytest.raises(UpstreamFailed) as caught:
            client.load(MODEL_ID)
        assert caught.value.status == 500 and caught.value.text == "out of memory: need 2 GB more"
        assert str(caught.value) == "Pieces OS answered 500: out of memory: need 2 GB more"

    def test_long_error_text_is_cut(self, stub_client):
        upstream, client = stub_client
        upstream.answer(500, "x" * 100_000, "text/plain")
        with pytest.raises(UpstreamFailed) as caught:
            client.list_models()
        assert len(caught.value.text) == MAX_SHOWN

    def test_a_stack_trace_is_left_to_the_panels_log(self, stub_client, caplog):
        upstream, client = stub_client
        trace = "Bad state: No element\n#0      find (package:os/models.dart:1:2)"
        upstream.answer(500, trace, "text/plain")
        with pytest.raises(UpstreamFailed) as caught:
            client.list_models()
        assert str(caught.value) == "Pieces OS answered 500: Bad state: No element"
        assert trace in caplog.text  # the whole text, for whoever reads the server's log

    @pytest.mark.parametrize("lookup_fault", [None, 404], ids=["410", "404"])
    def test_an_action_answered_500_for_a_model_pieces_os_no_longer_has_is_gone(
        self, simulator, lookup_fault
    ):
        simulator.control("PATCH", "behaviour", {"unknown_id_answers_500": True})
        if lookup_fault:
            simulator.control("POST", "faults", {"route": "get", "status": lookup_fault})
        client = PiecesClient(simulator.url, read_timeout=10)
        with pytest.raises(ModelGone) as caught:
            client.load(MODEL_ID)
        assert "Bad state: No element" in str(caught.value.__cause__)
        assert simulator.stats()["requests"]["get"] == 1  # asked once, to be sure

    def test_an_action_answered_500_for_a_model_that_exists_is_a_failure(self, simulator):
        simulator.control("POST", "faults", {"route": "load", "status": 500, "text": "busy"})
        cloud = simulator.state.store.snapshot()[0]["id"]
        with pytest.raises(UpstreamFailed, match="busy"):
            PiecesClient(simulator.url, read_timeout=10).load(cloud)

    def test_redirect_is_not_followed(self, stub_client):
        upstream, client = stub_client
        upstream.answer(302, "", "text/plain")
        with pytest.raises(UpstreamFailed, match="302"):
            client.list_models()
        assert len(upstream.received) == 1

    @pytest.mark.parametrize(
        "body, content_type, detail",
        [
            ("<html>hello</html>", "text/html", "expected JSON"),
            ("{not json", "application/json", "not valid JSON"),
            ('{"items": []}', "application/json", "iterable"),
        ],
    )
    def test_malformed_answers(self, stub_client, body, content_type, detail):
        upstream, client = stub_client
        upstream.answer(200, body, content_type)
        with pytest.raises(MalformedResponse, match=detail) as caught:
            client.list_models()
        assert str(caught.value).startswith("Pieces OS sent something unexpected")

    def test_read_timeout(self, short_timeout_client):
        upstream, client = short_timeout_client
        upstream.answer(200, VALID_MODEL, delay_seconds=1.0)
        with pytest.raises(TimedOut, match=r"did not answer within 0.3 s"):
            client.get_model(MODEL_ID)

    def test_connect_timeout(self):
        # A connect timeout cannot be produced on loopback, where a closed port refuses at once.
        client = PiecesClient("http://127.0.0.1:9", connect_timeout=1.5)
        with mock.patch.object(client.session, "request", side_effect=requests.ConnectTimeout):
            with pytest.raises(TimedOut, match="within 1.5 s"):
                client.list_models()

    def test_unreachable_names_the_url(self, closed_port_url):
        with pytest.raises(Unreachable, match=closed_port_url) as caught:
            PiecesClient(closed_port_url).list_models()
        assert caught.value.url == closed_port_url

    @pytest.mark.parametrize("bad_id", ["..", ".", "x" * 10_000, "", "a\nb", "a\x00"])
    def test_bad_ids_send_nothing(self, stub_client, bad_id):
        upstream, client = stub_client
        for call in (
            client.get_model,
            client.download,
            client.cancel_download,
            client.load,
            client.unload,
            client.progress_url,
        ):
            with pytest.raises(InvalidModelId):
                call(bad_id)
        with pytest.raises(InvalidModelId):
            client.update_model({"id": bad_id})
        assert upstream.received == []

    def test_requests_go_to_the_right_routes(self, stub_client):
        upstream, client = stub_client
        upstream.answer(200, VALID_MODEL)
        client.get_model(MODEL_ID)
        client.download(MODEL_ID)
        client.cancel_download(MODEL_ID)
        client.load(MODEL_ID)
        client.unload(MODEL_ID)
        client.update_model({"id": MODEL_ID})
        assert upstream.received == [
            f"GET /model/{MODEL_ID}",
            f"POST /model/{MODEL_ID}/download",
            f"POST /model/{MODEL_ID}/download/cancel",
            f"POST /model/{MODEL_ID}/load",
            f"POST /model/{MODEL_ID}/unload",
            "POST /model/update",
        ]

    @pytest.mark.parametrize(
        "model_id, segment",
        [
            ("a/b", "a%2Fb"),
            ("../models", "..%2Fmodels"),
            ("a b?c#d", "a%20b%3Fc%23d"),
            ("é", "%C3%A9"),
            ("100%", "100%25"),
        ],
    )
    def test_any_id_travels_as_exactly_one_path_segment(self, stub_client, model_id, segment):
        upstream, client = stub_client
        upstream.answer(200, json.dumps({**json.loads(VALID_MODEL), "id": model_id}))
        assert client.get_model(model_id).id == model_id
        client.load(model_id)
        assert upstream.raw_targets == [f"/model/{segment}", f"/model/{segment}/load"]

    def test_one_odd_model_in_a_list_is_kept_aside_not_an_error(self, stub_client):
        upstream, client = stub_client
        upstream.answer(200, json.dumps({"iterable": [{"name": "no id"}, json.loads(VALID_MODEL)]}))
        odd, good = client.list_models()
        assert odd.state == "unreadable" and "its id" in odd.problem and good.id == MODEL_ID

    def test_an_unchanged_list_keeps_its_models_a_changed_one_is_read_again(self, stub_client):
        upstream, client = stub_client
        listed = json.dumps({"iterable": [json.loads(VALID_MODEL)]})
        upstream.answer(200, listed)
        first, again = client.list_models(), client.list_models()
        assert again == first and again[0] is first[0]  # not parsed again
        upstream.answer(200, listed.replace('"cloud": false', '"cloud": true'))
        assert client.list_models()[0].cloud
        upstream.answer(200, listed, "text/plain")  # the same bytes must still be JSON
        with pytest.raises(MalformedResponse, match="expected JSON"):
            client.list_models()

    def test_one_model_asked_for_must_be_readable(self, stub_client):
        upstream, client = stub_client
        upstream.answer(200, json.dumps({"id": MODEL_ID, "cloud": False}))
        with pytest.raises(MalformedResponse, match="no name"):
            client.get_model(MODEL_ID)

    def test_a_load_has_its_own_longer_timeout(self, short_timeout_client):
        upstream, client = short_timeout_client
        upstream.answer(200, VALID_MODEL, delay_seconds=1.0)  # over the read timeout
        assert client.load(MODEL_ID).id == MODEL_ID
        with pytest.raises(TimedOut, match="0.3 s"):
            client.get_model(MODEL_ID)

    def test_progress_url(self):
        assert PiecesClient("https://pieces.example:39300/").progress_url("abc") == (
            "wss://pieces.example:39300/model/abc/download/progress"
        )
        assert PiecesClient("http://127.0.0.1:1000").progress_url("abc") == (
            "ws://127.0.0.1:1000/model/abc/download/progress"
        )
