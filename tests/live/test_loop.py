"""The live state of one host, driven synchronously: a loop that runs nothing by itself
(``HostLoop(threaded=False)``), an injected clock, a scripted Pieces OS and scripted upstream
sockets. Each test decides in milliseconds, with no server."""

import queue
import threading

import pytest

from webapp import create_app
from webapp.db import connect
from webapp.live.fanout import SERVICE_RESTART, Close, Mailbox, Viewer
from webapp.live.host import LiveHost
from webapp.live.loop import HostLoop
from webapp.live.pages import Page
from webapp.live.state import Outcome
from webapp.pieces.client import ModelGone
from webapp.pieces.model import Model
from webapp.pieces.runtime import LocalRuntime


def model(model_id: str, **flags) -> Model:
    return Model.from_raw(
        {
            "id": model_id,
            "name": model_id.upper(),
            "cloud": False,
            "bytes": {"value": 1_000_000_000},
            **flags,
        }
    )


class ScriptedPiecesOS:
    """What the host's client is asked, answered from ``models`` (a ``ModelGone`` for one that
    is not there); every call is recorded."""

    base_url = "http://127.0.0.1:9"
    connect_timeout = 0.1

    def __init__(self, *models: Model):
        self.models = {known.id: known for known in models}
        self.runtime = LocalRuntime("installed", "0.5.7")
        self.calls: list[str] = []
        self.on_moved = None

    def list_models(self) -> list[Model]:
        self.calls.append("list")
        return list(self.models.values())

    def get_model(self, model_id: str) -> Model:
        self.calls.append(f"get {model_id}")
        if model_id not in self.models:
            raise ModelGone(model_id)
        return self.models[model_id]

    def version(self) -> str:
        return "12.3.11"

    def local_runtime(self) -> LocalRuntime:
        return self.runtime

    def device(self):
        return None

    def progress_url(self, model_id: str) -> str:
        return f"ws://127.0.0.1:9/model/{model_id}/download/progress"

    identifiers_url = runtime_status_url = progress_url


class ScriptedReader:
    """An upstream socket the test drives: ``connect()``, ``send(text)``, ``lose()``."""

    def __init__(self, name, _address, _timeout, on_message, on_lost, on_connected):
        self.name = name
        self.connected = threading.Event()
        self.stopped = False
        self._on_message, self._on_lost, self._on_connected = on_message, on_lost, on_connected

    def connect(self) -> None:
        self.connected.set()
        self._on_connected(self)

    def send(self, text: str) -> None:
        self._on_message(self, text)

    def lose(self) -> None:
        self.connected.clear()
        self._on_lost(self)

    def stop(self) -> None:
        self.stopped = True


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Harness:
    def __init__(self, app, upstream: ScriptedPiecesOS):
        self.clock = Clock()
        self.upstream = upstream
        self.readers: dict[str, ScriptedReader] = {}
        self.loop = HostLoop("test", clock=self.clock, threaded=False)
        self.host = LiveHost(app, upstream, loop=self.loop, open_reader=self._reader)
        self.database = app.config["DATABASE"]

    def _reader(self, name, *args) -> ScriptedReader:
        reader = self.readers[name] = ScriptedReader(name, *args)
        return reader

    def run(self, seconds: float = 0.0) -> None:
        """Let ``seconds`` pass, running every call posted, timer due and tick."""
        self.loop.run_pending()
        for _ in range(int(seconds * 10)):
            self.clock.now += 0.1
            self.loop.run_pending()

    def open(
        self,
        url: str = "/",
        since: int | None = None,
        role: str = "operator",
        connected=lambda: True,
    ) -> Mailbox | str:
        """A page's socket opening (a mailbox), or why it was refused."""
        return self.host.open_page(
            Page.from_url(url, role, "http://127.0.0.1/"), since, Viewer(1, "session", connected)
        )

    def log(self) -> list[tuple[str, str, str]]:
        with connect(self.database) as connection:
            return [
                tuple(row)
                for row in connection.execute(
                    "SELECT action, outcome, detail FROM activity WHERE action = 'download'"
                    " ORDER BY id"
                )
            ]


def messages(mailbox: Mailbox) -> list[str]:
    found = []
    while True:
        try:
            found.append(mailbox.messages.get_nowait())
        except queue.Empty:
            return found


def row_of(model_id: str, sent: list[str]) -> str:
    rows = [text for text in sent if f'<tr id="model-{model_id}"' in text]
    assert rows, f"no row of {model_id} was sent"
    return rows[-1]


def harness_on(upstream: ScriptedPiecesOS, database: str, tmp_path) -> Harness:
    """A panel app on ``database`` whose live host is driven by the test, against ``upstream``."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "PIECES_OS_URL": upstream.base_url,
            "DATABASE": database,
            "INSTANCE_PATH": str(tmp_path / "i"),
        }
    )
    app.extensions["fleet"].default.shutdown()  # the app's own host: this test drives another
    return Harness(app, upstream)


@pytest.fixture
def harness(panel_database, tmp_path):
    upstream = ScriptedPiecesOS(
        model("loaded-one", downloaded=True, loaded=True),
        model("big", downloaded=True),
        model("fresh"),
    )
    harness = harness_on(upstream, panel_database, tmp_path)
    harness.host.fetch_models()
    yield harness


def test_a_refused_load_shows_on_the_acting_page_and_every_other_in_either_order(harness):
    page = harness.open()
    harness.run()
    messages(page)
    big = harness.upstream.models["big"]
    harness.host.action_started(big, "load", "olga", 0)
    loading = row_of("big", messages(page))
    assert "loading… asked by olga" in loading
    answer = harness.host.action_went_wrong(
        big, Outcome("load", "olga", "refused", "Not enough memory")
    )
    live = row_of("big", messages(page))
    # The answer (rendered from ``answer``) and the live row carry the outcome: whichever the
    # acting page gets last, it shows it. An update of the row from before cannot come after
    # it on the socket, and later ones still carry it.
    assert answer.outcome.text == "Not enough memory" and answer.pending_load is None
    assert "Load refused (asked by olga): Not enough memory" in live
    harness.upstream.models["big"] = model("big", downloaded=True, description="changed")
    harness.host.model_heard(harness.upstream.models["big"])
    assert "Not enough memory" in row_of("big", messages(page))
    # The next action clears it, for everybody.
    harness.host.action_started(big, "load", "olga", 0)
    assert "Not enough memory" not in row_of("big", messages(page))


def test_a_page_joining_mid_way_gets_what_changed_since_it_was_rendered_in_order(harness):
    harness.open()  # a page of that kind is open throughout
    harness.run()
    rendered_at = harness.host.snapshot.seq
    fresh = harness.upstream.models["fresh"]
    harness.host.action_started(fresh, "download", "olga", 0)
    reader = harness.readers["fresh"]
    reader.connect()
    for percent in (10, 20, 30):
        harness.clock.now += 1
        reader.send(f'{{"status": "IN-PROGRESS", "percentage": {percent}}}')
        harness.run()
    joined = messages(harness.open(since=rendered_at))
    kinds = [text.split('id="', 1)[1].split('"', 1)[0] for text in joined]
    assert kinds.index("model-fresh") < kinds.index("progress-fresh")  # the bar is newer
    assert '<progress max="100" value="30.0"' in joined[kinds.index("progress-fresh")]
    current = messages(harness.open(since=harness.host.snapshot.seq))
    assert current == []  # a page rendered now lacks nothing


def test_no_rate_is_measured_across_a_gap(harness):
    """A download seen running (a restarted panel), or a socket back after a loss: the first
    frame sets where it is; only the next one measures a rate."""
    harness.upstream.models["fresh"] = model("fresh", downloading=True)
    harness.open()
    harness.host.fetch_models()
    reader = harness.readers["fresh"]
    reader.connect()
    harness.clock.now += 0.5
    reader.send('{"status": "IN-PROGRESS", "percentage": 57}')
    harness.run()
    progress = harness.host.snapshot.row(None, "fresh").progress
    assert progress.percentage == 57 and progress.bytes_per_second is None
    harness.clock.now += 1
    reader.send('{"status": "IN-PROGRESS", "percentage": 58}')
    harness.run()
    assert harness.host.snapshot.row(None, "fresh").progress.bytes_per_second == (
        pytest.approx(10_000_000)
    )


def test_a_download_whose_socket_is_lost_and_that_pieces_os_no_longer_runs_ends(harness):
    page = harness.open()
    fresh = harness.upstream.models["fresh"]
    harness.host.action_started(fresh, "download", "olga", harness_entry(harness, "fresh"))
    harness.host.download_answered("fresh")
    reader = harness.readers["fresh"]
    reader.connect()
    reader.send('{"status": "IN-PROGRESS", "percentage": 40}')
    harness.run()
    reader.lose()  # Pieces OS says the model is not downloading, nor downloaded
    harness.run()
    assert "fresh" not in [download.model_id for download in harness.host.snapshot.downloads]
    assert "Download lost at 40 %" in row_of("fresh", messages(page))
    assert harness.log()[-1][:2] == ("download", "failed")


def test_entries_left_pending_by_an_earlier_run_are_settled(panel_database, tmp_path):
    with connect(panel_database) as connection:
        for model_id in ("done", "gone"):
            connection.execute(
                "INSERT INTO activity (at, user, action, model_id, outcome, host) VALUES "
                "('2026-12-01T10:00:00+00:00', 'olga', 'download', ?, 'pending', 'local')",
                (model_id,),
            )
    upstream = ScriptedPiecesOS(model("done", downloaded=True), model("gone"))
    harness = harness_on(upstream, panel_database, tmp_path)
    harness.host.fetch_models()
    settled = {detail.split(":")[0]: outcome for _action, outcome, detail in harness.log()}
    assert settled == {"Pieces OS has the model": "ok", "Outcome unknown": "failed"}


def test_an_entry_of_this_run_is_never_taken_for_an_earlier_runs(panel_database, tmp_path):
    """An action's entry is written before its download is followed: a first list that comes
    in between must not settle it as left by a panel that stopped."""
    upstream = ScriptedPiecesOS(model("fresh"))
    harness = harness_on(upstream, panel_database, tmp_path)
    with connect(panel_database) as connection:
        connection.execute(
            "INSERT INTO activity (at, user, action, model_id, outcome) VALUES "
            "('2026-12-01T10:00:00+00:00', 'olga', 'download', 'fresh', 'pending')"
        )
    harness.host.fetch_models()
    assert [outcome for _action, outcome, _detail in harness.log()] == ["pending"]


def test_a_model_removed_upstream_leaves_the_list_and_its_page_says_so(harness):
    listing, card = harness.open(), harness.open("/models/fresh")
    harness.run()
    messages(listing), messages(card)
    del harness.upstream.models["fresh"]
    harness.host.fetch_models()
    table = [text for text in messages(listing) if 'id="model-list"' in text]
    assert table and "model-fresh" not in table[-1] and "model-big" in table[-1]
    assert "This model is no longer in Pieces OS." in "".join(messages(card))


def test_every_change_of_the_local_runtime_re_renders_the_local_rows(harness):
    page = harness.open()
    harness.run()
    messages(page)
    harness.host.loop.ask(
        harness.host.models.runtime_status, '{"updateRequired": {"version": "0.6.0"}}'
    )
    sent = messages(page)
    assert "needs an update" in row_of("fresh", sent) and row_of("big", sent)


def test_shutdown_closes_every_page_with_service_restart(harness):
    page = harness.open()
    harness.host.shutdown()
    assert messages(page)[-1] == Close(SERVICE_RESTART, "server restarting")


def harness_entry(harness: Harness, model_id: str) -> int:
    with connect(harness.database) as connection:
        return connection.execute(
            "INSERT INTO activity (at, user, action, model_id, outcome) VALUES "
            "('2026-12-07T10:00:00+00:00', 'olga', 'download', ?, 'pending')",
            (model_id,),
        ).lastrowid


def test_a_page_whose_browser_closed_its_socket_holds_no_place(harness):
    harness.host.fanout.per_account = 1
    still_open = {"first": True}
    harness.open(connected=lambda: still_open["first"])
    assert "already has 1 pages open" in harness.open()  # the first holds the only place
    still_open["first"] = False  # a reload: the browser closed it, its handler has not seen it
    assert isinstance(harness.open(), Mailbox)
    assert harness.host.viewer_count == 1


def test_an_unanswered_download_is_checked_until_pieces_os_runs_it(harness):
    """As the official C# client does: ``GET /model/{id}`` until ``downloading`` turns true;
    from then on a final status on the socket is this attempt's."""
    fresh = harness.upstream.models["fresh"]
    harness.host.action_started(fresh, "download", "olga", harness_entry(harness, "fresh"))
    harness.run(2.5)  # (its request has not answered)
    assert harness.upstream.calls.count("get fresh") >= 2
    harness.upstream.models["fresh"] = model("fresh", downloading=True)
    harness.run(1.5)
    asked = harness.upstream.calls.count("get fresh")
    harness.run(3)
    assert harness.upstream.calls.count("get fresh") == asked  # seen running: no more checks
    progress = harness.host.downloads.state.downloads["fresh"]
    assert progress.answered and harness.log()[-1][1] == "pending"
    harness.readers["fresh"].send('{"status": "COMPLETED", "percentage": 100}')
    harness.upstream.models["fresh"] = model("fresh", downloaded=True)
    harness.run(1)
    assert harness.log()[-1] == ("download", "ok", "Download completed.")


def test_a_download_pieces_os_never_starts_ends_saying_so(harness):
    fresh = harness.upstream.models["fresh"]
    harness.host.action_started(fresh, "download", "olga", harness_entry(harness, "fresh"))
    harness.run(29)
    assert harness.log()[-1][1] == "pending"
    harness.run(3)
    assert harness.log()[-1] == (
        "download",
        "failed",
        "Download lost at 0 %: Pieces OS did not start it within 30 s.",
    )
    assert "fresh" not in harness.host.snapshot.rows or not (
        harness.host.snapshot.rows["fresh"].progress
    )


def test_a_model_found_downloaded_while_its_request_is_on_its_way_waits_for_the_answer(harness):
    """Pieces OS may have found the files (its answer says ``downloaded: true``) or run the
    download: only the answer tells, so the checks leave it to the answer."""
    fresh = harness.upstream.models["fresh"]
    harness.host.action_started(fresh, "download", "olga", harness_entry(harness, "fresh"))
    harness.upstream.models["fresh"] = model("fresh", downloaded=True)
    harness.run(2.5)
    assert harness.log()[-1][1] == "pending"
    assert harness.host.download_found_done(harness.upstream.models["fresh"])
    assert harness.host.snapshot.downloads == ()
