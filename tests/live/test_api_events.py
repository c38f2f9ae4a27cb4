"""``GET /api/v1/events``: a script waits for a download through it, and a revoked token ends
it at once (within the stream's one-second check)."""

import json

import pytest
import requests

from tests.support.panel_fixtures import FLEET
from tests.support.panel_page import NOT_DOWNLOADED
from tests.support.servers import serve_in_thread
from webapp.accounts.tokens import create_token, list_tokens, revoke_token
from webapp.accounts.users import find_user
from webapp.api.events import FollowedHosts
from webapp.db import connect
from webapp.live.events import MOST_WAITING, EventFeed, Listener


def token_of(panel, user: str) -> str:
    db = connect(panel.config["DATABASE"])
    return create_token(db, find_user(db, user), "watcher", None, actor="tests")


def events(url: str, token: str):
    """The stream's events, as (name, data) pairs, read as they come."""
    answer = requests.get(
        url + "/api/v1/events",
        headers={"Authorization": f"Bearer {token}"},
        stream=True,
        timeout=15,
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/event-stream")
    name = None
    for line in answer.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name or "message", json.loads(line.removeprefix("data: "))
            name = None


@pytest.fixture
def panel_url(live):
    return live.url


def test_a_script_follows_a_download_to_its_end(live):
    stream = events(live.url, token_of(live.app, "viewer"))
    assert next(stream)[1]["type"] == "hello"
    assert live.act(NOT_DOWNLOADED, "download").status_code == 200
    seen = []
    for _name, event in stream:
        seen.append(event)
        if event["type"] == "ending" and event["model"] == NOT_DOWNLOADED:
            break
    assert event["outcome"] == "ok" and event["host"] == "local"
    percentages = [e["percentage"] for e in seen if e["type"] == "progress"]
    assert percentages and percentages == sorted(percentages)
    assert any(e["type"] == "model" and e["model"]["downloading"] for e in seen)


def test_a_revoked_token_ends_its_stream(live):
    token = token_of(live.app, "viewer")
    stream = events(live.url, token)
    next(stream)
    db = connect(live.app.config["DATABASE"])
    revoke_token(db, list_tokens(db)[0].id, actor="tests")
    name, event = next(stream)
    assert name == "end" and "revoked" in event["reason"]


def test_an_account_holds_only_so_many_streams(live_factory):
    panel = live_factory(LIVE_SOCKETS_PER_ACCOUNT=1)
    token = token_of(panel.app, "viewer")
    first = events(panel.url, token)
    next(first)
    second = requests.get(
        panel.url + "/api/v1/events", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert second.status_code == 429
    assert second.headers["Content-Type"] == "application/problem+json"


def test_a_stream_that_falls_behind_is_marked_to_end():
    listener = Listener(account_id=1)
    for number in range(MOST_WAITING):
        listener.put({"n": number})
    assert not listener.fell_behind
    listener.put({"n": "one too many"})
    assert listener.fell_behind and listener.events.qsize() == MOST_WAITING


class Inline:
    """A host whose loop runs what is posted at once (the feed only posts joins and leaves)."""

    def __init__(self):
        self.loop = self

    def post(self, call, *args):
        call(*args)


def test_a_stream_of_several_hosts_hears_of_the_log_once_and_of_each_hosts_models():
    first, second = EventFeed(Inline(), "build-box"), EventFeed(Inline(), "gpu-1")
    listener = Listener(1)
    first.listen(listener, log_too=True)
    second.listen(listener, log_too=False)
    for feed in (first, second):  # the log changed: every host's loop says so
        feed.activity()
        feed.models({"m"})
    heard = [listener.events.get_nowait() for _ in range(listener.events.qsize())]
    assert heard == [
        {"type": "activity"},
        {"type": "models", "host": "build-box", "changed": ["m"]},
        {"type": "models", "host": "gpu-1", "changed": ["m"]},
    ]


class HostOf:
    """What a stream follows of a host: its event feed."""

    def __init__(self, name: str):
        self.events = EventFeed(Inline(), name)


def test_a_stream_follows_the_hosts_as_the_fleet_changes():
    build_box, gpu_1, laptop = HostOf("build-box"), HostOf("gpu-1"), HostOf("laptop")
    followed = FollowedHosts(Listener(1))
    assert followed.follow([build_box, gpu_1])
    assert not followed.follow([build_box, gpu_1])
    assert followed.follow([gpu_1, laptop])  # the first host removed, one added
    assert followed.names() == ["gpu-1", "laptop"]
    for host in (build_box, gpu_1, laptop):
        host.events.activity()
        host.events.models({"m"})
    listener = followed.listener
    heard = [listener.events.get_nowait() for _ in range(listener.events.qsize())]
    assert heard == [
        {"type": "activity"},  # once, from the new first host
        {"type": "models", "host": "gpu-1", "changed": ["m"]},
        {"type": "models", "host": "laptop", "changed": ["m"]},
    ]
    followed.leave()
    gpu_1.events.models({"m"})
    assert listener.events.empty()


def test_a_stream_says_which_hosts_it_follows_when_the_fleet_changes(fleet_panel):
    server = serve_in_thread(fleet_panel)
    try:
        stream = events(server.url, token_of(fleet_panel, "operator"))
        assert next(stream)[1] == {"type": "hello", "hosts": list(FLEET)}
        fleet_panel.extensions["fleet"].remove(FLEET[0], by="tests")
        told = next(event for _name, event in stream if event["type"] == "hosts")
        assert told == {"type": "hosts", "hosts": [FLEET[1]]}
    finally:
        server.stop()
