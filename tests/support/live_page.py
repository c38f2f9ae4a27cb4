"""A browser page's live socket, as a test sees it: a real WebSocket client of ``/live``."""

import re
import struct

import requests
import websocket

from webapp.live.pages import HOST_PREFIX

PERCENT = re.compile(r'<progress max="100" value="([0-9.]+)"')
SINCE = re.compile(r'hx-ws:connect="(?:/hosts/[a-z0-9-]+)?/live\?[^"]*since=([0-9a-f]+-[0-9]+)"')
CONNECT_TIMEOUT_SECONDS = 10


def since_of(html: str) -> str:
    """The mark of the live state a page was rendered at, from its socket's address."""
    return SINCE.search(html)[1]


class LivePage:
    """Reads the fragments the panel pushes. A read waits for the next message however long it
    takes (a test waits for an event, never for a time; a hang is pytest-timeout's to report)."""

    def __init__(
        self,
        panel_url: str,
        page: str = "/",
        cookie: str | None = None,
        since: str | None = None,
        socket_host: str | None = None,
        **options,
    ):
        """``since``: the mark of the live state the page was rendered at (see ``since_of``).
        A page of a host (``/hosts/<name>/...``) opens that host's socket, as browsers do;
        ``socket_host`` names another host whose socket the page opens (the fleet page opens
        one on each host)."""
        self.since = since
        query = {"page": page} if since is None else {"page": page, "since": since}
        host = HOST_PREFIX.match(page)
        prefix = f"/hosts/{socket_host}" if socket_host else (host[0] if host else "")
        socket_path = prefix + "/live?"
        url = panel_url.replace("http://", "ws://") + socket_path + requests.compat.urlencode(query)
        self.connection = websocket.create_connection(
            url, timeout=CONNECT_TIMEOUT_SECONDS, cookie=cookie, origin=panel_url, **options
        )
        self.connection.settimeout(None)
        self.received: list[str] = []

    def next_message(self) -> str:
        message = self.connection.recv()
        if message == "" and not self.connection.connected:
            raise AssertionError("the panel closed the live socket")
        self.received.append(message)
        return message

    def read_until(self, predicate, what: str) -> str:
        """Read messages until one satisfies ``predicate`` (``what`` it shows, for a failure)."""
        while True:
            try:
                message = self.next_message()
            except (AssertionError, websocket.WebSocketException) as error:
                raise AssertionError(f"no message showing {what}: {error}") from None
            if predicate(message):
                return message

    def read_until_row(self, model: str, state: str) -> str:
        return self.read_until(
            lambda text: f'<tr id="model-{model}" class="model-view" data-state="{state}"' in text,
            f"{model} as {state}",
        )

    def percentages(self, model: str) -> list[float]:
        return [
            float(value)
            for text in self.received
            if f"progress-{model}" in text
            for value in PERCENT.findall(text)
        ]

    def close_frame(self) -> tuple[int, str]:
        """Read until the server's close frame: its code and reason."""
        while True:
            opcode, data = self.connection.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return struct.unpack("!H", data[:2])[0], data[2:].decode()
            if opcode == websocket.ABNF.OPCODE_TEXT:
                self.received.append(data.decode())

    def close(self) -> None:
        self.connection.close()
