"""Live sockets end with their session, and no account (nor everybody together) can hold more
of them than the settings allow."""

import socket
import struct
import time

import pytest

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.models import CONFIRMED
from webapp.db import connect
from webapp.live.fanout import POLICY_VIOLATION, SESSION_ENDED_REASON
from webapp.live.route import TRY_AGAIN_LATER

from .test_live import DOWNLOADED


def end_by(live, action: str) -> None:
    """End the operator's session the way ``action`` says."""
    admin = live.app.test_client(user="admin")
    if action == "logout":
        live.browser.post(f"{live.url}/logout", timeout=5)
    elif action == "role":
        admin.post("/users/operator/role", data={"role": "viewer"})
    elif action == "password":
        admin.post(
            "/users/operator/password",
            data={"password": "a brand new secret", "password_repeat": "a brand new secret"},
        )
    elif action == "remove":
        admin.post("/users/operator/remove", data=CONFIRMED)
    elif action == "end":
        with connect(live.app.config["DATABASE"]) as db:
            (ref,) = db.execute(
                "SELECT substr(id_hash, 1, 16) FROM sessions"
                " JOIN users ON users.id = user_id WHERE name = 'operator'"
            ).fetchone()
        assert admin.post(f"/users/operator/sessions/{ref}/end").status_code == 303
    else:  # idle, or changed by another process: only the database knows
        with connect(live.app.config["DATABASE"]) as db:
            db.execute("UPDATE sessions SET seen_at = ?", (time.time() - 10 * 24 * 3600,))


#: What an open page is told when its session ends each way.
WHY = {
    "logout": "you logged out, in another tab or window of this browser.",
    "role": "admin changed your role to viewer.",
    "password": "admin set a new password for your account.",
    "remove": "admin removed your account.",
    "end": "admin ended it on the Users page.",
    "idle": "it was not used for 480 minutes.",
}


class TestSessionsEnd:
    @pytest.mark.parametrize("action", WHY)
    def test_each_way_a_session_ends_closes_its_open_pages_saying_why(self, live, action):
        page = live.open_page("/models/x?q=gemma")
        end_by(live, action)
        assert page.close_frame() == (POLICY_VIOLATION, SESSION_ENDED_REASON)
        live.pages.remove(page)
        (farewell,) = [text for text in page.received if 'id="session-ended"' in text]
        assert f"Your session has ended: {WHY[action]}" in farewell
        assert 'id="session" class="session" hx-swap-oob="true"' in farewell  # no "(operator)"
        assert "operator" not in farewell
        back = "/login?next=/models/x?q%3Dgemma"
        assert (back in farewell) == (action != "remove")  # a removed account cannot come back

    def test_other_sessions_go_on(self, live):
        operator_page = live.open_page()
        viewer = login_over_http(live.url, "viewer")
        viewer_page = LivePage(live.url, "/", cookie=cookie_header(viewer))
        live.pages.append(viewer_page)
        viewer.post(f"{live.url}/logout", timeout=5)
        assert viewer_page.close_frame()[0] == POLICY_VIOLATION
        live.pages.remove(viewer_page)
        assert live.act(DOWNLOADED, "load").status_code == 200
        operator_page.read_until_row(DOWNLOADED, "loaded")


class TestQuota:
    def test_an_account_over_its_quota_is_refused_saying_why(self, live_factory):
        live = live_factory(LIVE_SOCKETS_PER_ACCOUNT=2, LIVE_HEARTBEAT_SECONDS=30)
        live.open_page(), live.open_page()
        refused = LivePage(live.url, "/", cookie=cookie_header(live.browser))
        code, reason = refused.close_frame()
        assert code == TRY_AGAIN_LATER and "already has 2 pages open" in reason
        assert any(
            "already has 2 pages open" in text and 'id="live-refused"' in text
            for text in refused.received
        )  # the page shows it
        assert live.browser.get(f"{live.url}/activity", timeout=5).status_code == 200
        other = LivePage(live.url, "/", cookie=cookie_header(login_over_http(live.url, "viewer")))
        live.pages.append(other)
        other.read_until(lambda text: 'id="banner"' in text, "the other account's page state")

    def test_a_page_reloaded_gets_its_place_back_at_once(self, live_factory):
        live = live_factory(LIVE_SOCKETS_PER_ACCOUNT=1, LIVE_HEARTBEAT_SECONDS=30)
        for _ in range(5):  # a reload: the old socket closes, the new one opens right after
            first = live.open_page()
            first.close()
            live.pages.remove(first)
        live.open_page().read_until(lambda text: 'id="banner"' in text, "the page state")

    def test_everybody_together_is_limited_too(self, live_factory):
        live = live_factory(LIVE_SOCKETS_TOTAL=1, LIVE_HEARTBEAT_SECONDS=30)
        live.open_page()
        viewer = login_over_http(live.url, "viewer")
        refused = LivePage(live.url, "/", cookie=cookie_header(viewer))
        code, reason = refused.close_frame()
        assert code == TRY_AGAIN_LATER and "as many live pages as it can" in reason


class TestHandshake:
    def test_a_browser_leaving_during_the_handshake_is_no_error(self, live, caplog):
        cookie = cookie_header(live.browser)
        host = live.url.removeprefix("http://")
        for _ in range(3):
            raw = socket.create_connection(("127.0.0.1", int(host.split(":")[1])))
            handshake = (
                f"GET /live?page=/ HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: {live.url}\r\nCookie: {cookie}\r\n\r\n"
            )
            raw.sendall(handshake.encode())
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw.close()  # a reset: the panel's answer finds nobody
        live.open_page()  # served after those three
        live.simulator.wait_until(
            lambda: live.hub.viewer_count == 1, what="the three handshakes to be let go"
        )
        assert "Exception on /live" not in caplog.text

    @pytest.mark.parametrize(
        ("headers", "status"),
        [
            ({"Sec-WebSocket-Version": "8"}, 426),  # an older draft of the protocol
            ({"Sec-WebSocket-Version": None}, 426),
            ({"Sec-WebSocket-Key": None}, 400),
            ({"Connection": "keep-alive"}, 400),
            ({"Upgrade": None, "Connection": None}, 400),  # a plain GET
        ],
    )
    def test_what_is_not_a_websocket_handshake_is_refused_saying_why(self, live, headers, status):
        handshake = {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
            "Origin": live.url,
            **headers,
        }
        answer = live.browser.get(f"{live.url}/live?page=/", headers=handshake, timeout=5)
        assert answer.status_code == status
        if status == 426:
            assert answer.headers["Sec-WebSocket-Version"] == "13"
