"""Who is served now (webapp/serving/admission.py): a few requests of each client at a time,
each body within a deadline; the rest wait, and nobody else waits for them.

The middleware alone first (threads, a small WSGI app), then the panel under gunicorn's gevent
worker with the repo's config, attacked over raw sockets as a slow or greedy client would.
"""

import io
import socket
import threading

import pytest
import requests

from tests.support.accounts import cookie_header, login_over_http
from tests.support.browser_harness import serve_panel
from tests.support.live_page import LivePage
from webapp.serving.admission import Admission, ClientSlots, free_slot

# A loopback address of its own plays another machine: anonymous clients are told apart by it.
OTHER_MACHINE = "127.0.0.2"


class TestClientSlots:
    def test_a_client_gets_as_many_turns_at_once_as_allowed_and_no_more(self):
        slots = ClientSlots(per_client=2, wait_seconds=0.2)
        first, second = slots.wait_for_turn("a"), slots.wait_for_turn("a")
        assert first is not None and second is not None
        assert slots.wait_for_turn("a") is None  # waited, then refused
        assert slots.wait_for_turn("b") is not None  # another client is not held up

    def test_a_turn_ended_lets_the_next_request_in_and_ends_only_once(self):
        slots = ClientSlots(per_client=1, wait_seconds=1)
        turn = slots.wait_for_turn("a")
        waited = []
        waiter = threading.Thread(target=lambda: waited.append(slots.wait_for_turn("a")))
        waiter.start()
        turn.end()
        turn.end()  # a second end (the socket freed its slot, then the request ended) is no-op
        waiter.join(timeout=5)
        assert waited and waited[0] is not None
        assert slots.wait_for_turn("a") is None  # the waiter holds the one turn: no second one

    def test_clients_are_forgotten_with_their_last_request(self):
        slots = ClientSlots(per_client=1, wait_seconds=0.1)
        turns = [slots.wait_for_turn(f"client {number}") for number in range(50)]
        assert slots.wait_for_turn("client 0") is None
        for turn in turns:
            turn.end()
        assert slots.known_clients() == 0


def plain_app(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"got " + body]


class TestMiddleware:
    def admission(self, slots: ClientSlots) -> Admission:
        class EveryoneIsOneClient:
            def name_of(self, environ):
                return "one client"

        return Admission(plain_app, EveryoneIsOneClient(), slots, body_seconds=5, max_body_bytes=10)

    def environ(self, body: bytes = b"") -> dict:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
        }

    def call(self, admission: Admission, environ: dict) -> tuple[str, dict, bytes]:
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer.update(status=status, headers=dict(headers))

        iterable = admission(environ, start_response)
        body = b"".join(iterable)
        getattr(iterable, "close", lambda: None)()
        return answer["status"], answer["headers"], body

    def test_a_client_whose_turns_are_all_taken_waits_then_gets_503_with_retry_after(self):
        slots = ClientSlots(per_client=1, wait_seconds=0.1)
        held = slots.wait_for_turn("one client")
        status, headers, _ = self.call(self.admission(slots), self.environ())
        assert status.startswith("503") and headers["Retry-After"]
        held.end()
        assert self.call(self.admission(slots), self.environ(b"hello"))[2] == b"got hello"

    def test_the_turn_lasts_until_the_answer_is_closed(self):
        slots = ClientSlots(per_client=1, wait_seconds=0.1)
        admission = self.admission(slots)
        iterable = admission(self.environ(), lambda *_: None)
        assert slots.wait_for_turn("one client") is None  # the answer is not sent yet
        iterable.close()
        assert slots.wait_for_turn("one client") is not None

    def test_a_request_may_give_its_turn_back_early(self):
        slots = ClientSlots(per_client=1, wait_seconds=0.1)

        def socket_app(environ, start_response):
            free_slot(environ)  # as the live route does once its socket is settled
            assert slots.wait_for_turn("one client") is not None
            start_response("200 OK", [])
            return [b""]

        admission = Admission(socket_app, self.admission(slots).clients, slots, 5, 10)
        self.call(admission, self.environ())


# -- under gunicorn ------------------------------------------------------------------------------


@pytest.fixture
def one_turn_panel(simulator, panel_database):
    """One request at a time per client; a body has a minute (a slow one holds its turn)."""
    server = serve_panel(
        simulator.url, panel_database, REQUESTS_PER_CLIENT="1", REQUEST_BODY_SECONDS="60"
    )
    yield server
    server.stop()


@pytest.fixture
def impatient_panel(simulator, panel_database):
    """A body must come within 1 s."""
    server = serve_panel(simulator.url, panel_database, REQUEST_BODY_SECONDS="1")
    yield server
    server.stop()


def connect(url: str, source: str = "127.0.0.1") -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=10, source_address=(source, 0))
    return connection


def start_slow_login(url: str, source: str = "127.0.0.1", cookie: str = "") -> socket.socket:
    """A POST whose headers came whole and whose body never will: it holds its client's turn."""
    connection = connect(url, source)
    host = url.removeprefix("http://")
    cookie_line = f"Cookie: {cookie}\r\n" if cookie else ""
    head = (
        f"POST /login HTTP/1.1\r\nHost: {host}\r\n{cookie_line}"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 90000\r\n\r\n"
    )
    connection.sendall(head.encode() + b"name=")
    return connection


def read_all(connection: socket.socket) -> bytes:
    """Everything the panel sends until it closes the connection (at most 10 s)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def answers_within(session: requests.Session, url: str, seconds: float) -> bool:
    try:
        return session.get(url, timeout=seconds).status_code == 200
    except requests.Timeout:
        return False


def test_a_body_that_comes_too_slowly_gets_408_and_the_connection_is_closed(impatient_panel):
    connection = start_slow_login(impatient_panel.url)
    answer = read_all(connection)  # without the deadline, this waits until recv's timeout
    assert answer.startswith(b"HTTP/1.1 408")


def test_an_account_waits_for_its_own_turn_while_another_is_served(one_turn_panel):
    viewer = login_over_http(one_turn_panel.url, "viewer")
    operator = login_over_http(one_turn_panel.url, "operator")
    viewer_elsewhere = login_over_http(one_turn_panel.url, "viewer")  # a second session
    # The viewer's one turn is taken by a request whose body is still coming...
    slow = start_slow_login(one_turn_panel.url, OTHER_MACHINE, cookie=cookie_header(viewer))
    try:
        # ...so its next page waits (from any address, in any of its sessions), while the
        # operator is served at once. (The operator first: once it is answered, the server has
        # long read the slow request's headers, which came before, and given it its turn.)
        assert answers_within(operator, one_turn_panel.url + "/", 5)
        waiting = {}
        page = threading.Thread(
            target=lambda: waiting.update(
                page=viewer_elsewhere.get(one_turn_panel.url + "/", timeout=10)
            )
        )
        page.start()
        assert answers_within(operator, one_turn_panel.url + "/", 5)
        page.join(0.5)
        assert page.is_alive(), "the viewer's second request was served beside its first"
    finally:
        slow.close()
    page.join(10)
    assert waiting["page"].status_code == 200  # its turn came when the first request ended


def test_an_address_that_is_not_logged_in_waits_for_its_own_turn(one_turn_panel):
    slow = start_slow_login(one_turn_panel.url, OTHER_MACHINE)
    try:
        from_here = requests.Session()
        assert answers_within(from_here, one_turn_panel.url + "/healthz", 5)
        other_machine = connect(one_turn_panel.url, OTHER_MACHINE)
        other_machine.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        other_machine.settimeout(0.5)
        with pytest.raises(TimeoutError):
            other_machine.recv(100)  # its address's one turn is taken
        other_machine.settimeout(10)
    finally:
        slow.close()
    assert other_machine.recv(100).startswith(b"HTTP/1.1 200")


def test_an_open_page_gives_its_turn_back(one_turn_panel):
    viewer = login_over_http(one_turn_panel.url, "viewer")
    page = LivePage(one_turn_panel.url, cookie=cookie_header(viewer))
    try:
        assert 'id="banner"' in page.next_message()
        # Without giving its turn back, the socket would hold the viewer's only one for hours.
        assert answers_within(viewer, one_turn_panel.url + "/", 5)
    finally:
        page.close()


class TestChunkedBodies:
    """A body sent in chunks (no Content-Length) is read whole too, within the same limit."""

    def chunked(self, body: bytes) -> dict:
        environ = TestMiddleware().environ()
        del environ["CONTENT_LENGTH"]
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input"] = io.BytesIO(body)
        return environ

    def test_it_reaches_the_app_from_memory(self):
        admission = TestMiddleware().admission(ClientSlots(per_client=1))
        environ = self.chunked(b"hello")
        status, _headers, body = TestMiddleware().call(admission, environ)
        assert body == b"got hello" and environ["CONTENT_LENGTH"] == "5"

    def test_past_the_limit_only_one_byte_more_is_read(self):
        admission = TestMiddleware().admission(ClientSlots(per_client=1))  # limit: 10 bytes
        environ = self.chunked(b"x" * 1000)
        TestMiddleware().call(admission, environ)
        assert environ["CONTENT_LENGTH"] == "11"  # Flask then refuses it (413)
