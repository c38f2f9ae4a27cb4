"""What every page shows of the whole panel, whatever its host: the header's downloads and who
is online, from every host; work notices of every host, on every page of their person, naming
their host. A real ``Fleet`` of two hosts whose loops run nothing by themselves (the test runs
them), with scripted Pieces OS and upstream sockets: no server."""

import pytest

from webapp import create_app
from webapp.accounts.users import find_user, set_role
from webapp.db import connect
from webapp.fleet.registry import Fleet
from webapp.live.fanout import Mailbox, Viewer
from webapp.live.host import LiveHost
from webapp.live.loop import HostLoop
from webapp.live.pages import Page
from webapp.live.state import Outcome

from .test_loop import Clock, ScriptedPiecesOS, ScriptedReader, messages, model

BASE_URL = "http://127.0.0.1/"


class TwoHosts:
    """Hosts ``one`` (the first) and ``two``, each with its own scripted Pieces OS."""

    def __init__(self, database: str, tmp_path):
        self.database = database
        self.app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "PIECES_OS_HOSTS": (("one", "http://127.0.0.1:9"), ("two", "http://127.0.0.1:8")),
                "DATABASE": database,
                "INSTANCE_PATH": str(tmp_path / "i"),
            }
        )
        self.app.extensions["fleet"].shutdown()  # the app's own: this test drives another
        self.clock = Clock()
        self.upstreams = {
            name: ScriptedPiecesOS(model("fresh"), model("big", downloaded=True))
            for name in ("one", "two")
        }
        self.readers: dict[tuple[str, str], ScriptedReader] = {}
        self.fleet = Fleet(self.app, self._host)
        self.fleet.start()
        self.app.extensions["fleet"] = self.fleet
        for host in self.fleet.hosts.values():
            host.fetch_models()
        self.run()

    def _host(self, app, name: str, _client) -> LiveHost:
        def reader(model_id: str, *args) -> ScriptedReader:
            made = self.readers[name, model_id] = ScriptedReader(model_id, *args)
            return made

        loop = HostLoop(name, clock=self.clock, threaded=False)
        return LiveHost(app, self.upstreams[name], name=name, loop=loop, open_reader=reader)

    def host(self, name: str) -> LiveHost:
        return self.fleet.hosts[name]

    def run(self) -> None:
        """Every host's loop runs what was posted to it, until none has anything left."""
        for _ in range(3):
            for host in self.fleet.hosts.values():
                host.loop.run_pending()

    def open(self, host: str, url: str, account: str, since: int | None = None) -> Mailbox:
        """A page of ``account`` at ``url`` opens its socket on ``host``; rendered at ``since``,
        it keeps what it was sent as it opened."""
        with connect(self.database) as connection:
            user = find_user(connection, account)
        assert user is not None
        prefix = "" if host == "one" else f"/hosts/{host}"
        page = Page.from_url(url, user.role_on(host), BASE_URL, prefix)
        viewer = Viewer(user.id, f"session-{account}", lambda: True, account, url)
        mailbox = self.host(host).open_page(page, since, viewer)
        assert isinstance(mailbox, Mailbox), mailbox
        self.run()
        if since is None:
            messages(mailbox)  # what it showed when it opened
        return mailbox

    def download(self, host: str, model_id: str, by: str) -> ScriptedReader:
        """``by`` starts a download on ``host``, whose first frame comes."""
        live = self.host(host)
        live.action_started(self.upstreams[host].models[model_id], "download", by, 0)
        live.download_answered(model_id)
        reader = self.readers[host, model_id]
        reader.connect()
        reader.send('{"status": "IN-PROGRESS", "percentage": 10}')
        self.run()
        return reader


@pytest.fixture
def hosts(panel_database, tmp_path):
    two = TwoHosts(panel_database, tmp_path)
    yield two
    two.fleet.shutdown()


def element(sent: list[str], element_id: str) -> str:
    found = [text for text in sent if f'id="{element_id}"' in text]
    assert found, f"no {element_id} was sent"
    return " ".join(found[-1].split())


def test_a_download_on_one_host_is_in_the_header_of_every_hosts_pages(hosts):
    pages = [
        hosts.open("one", "/activity", "viewer"),  # a page of no host (the first's socket)
        hosts.open("one", "/", "viewer"),
        hosts.open("two", "/hosts/two/", "viewer"),
    ]
    hosts.download("two", "fresh", "operator")
    for page in pages:
        strip = element(messages(page), "downloads")
        assert "Downloading now:" in strip
        assert '<a href="/hosts/two/models/fresh">FRESH</a> on two' in strip
    reader = hosts.readers["two", "fresh"]
    reader.send('{"status": "COMPLETED", "percentage": 100}')
    hosts.run()
    for page in pages:
        assert "Downloading" not in element(messages(page), "downloads")


def test_admins_see_who_is_online_on_every_host(hosts):
    admin = hosts.open("one", "/activity", "admin")
    operator = hosts.open("two", "/hosts/two/", "operator")
    online = element(messages(admin), "online")
    assert "admin, operator" in online
    assert not [text for text in messages(operator) if 'id="online"' in text]  # admins only
    hosts.host("two").page_left(operator)
    hosts.run()
    assert "operator" not in element(messages(admin), "online")


def test_a_notice_reaches_every_page_of_its_person_naming_its_host_with_a_retry_there(hosts):
    elsewhere = hosts.open("one", "/", "operator")
    fleet_first, fleet_two = (
        hosts.open("one", "/fleet", "operator"),
        hosts.open("two", "/fleet", "operator"),
    )
    reader = hosts.download("two", "fresh", "operator")
    reader.send('{"status": "FAILED", "percentage": 10}')
    hosts.run()
    notice = element(messages(elsewhere), "work-notice-two-" + notice_seq(hosts))
    assert 'data-notify="two: Download of FRESH failed at 10 %' in notice
    assert 'hx-post="/hosts/two/models/fresh/download"' in notice
    assert 'href="/hosts/two/models/fresh"' in notice
    assert "data-model" not in notice  # the page's rows are another host's
    # The fleet page is told once, by its socket that shows the header.
    assert sum("work-notice-two" in text for text in messages(fleet_first)) == 1
    assert not [text for text in messages(fleet_two) if "work-notice" in text]


def test_a_page_rendered_after_a_notice_came_is_not_told_it_again(hosts):
    hosts.open("one", "/", "operator")
    reader = hosts.download("two", "fresh", "operator")
    reader.send('{"status": "COMPLETED", "percentage": 100}')
    hosts.run()
    one = hosts.host("one")
    rendered_before = one.notices._kept[-1][1] - 1
    for since, told in ((rendered_before, True), (one.snapshot.seq, False)):
        sent = "".join(messages(hosts.open("one", "/activity", "operator", since)))
        assert ("two: Download of FRESH completed." in sent) is told


def test_no_retry_is_offered_where_its_person_may_not_download(hosts):
    with connect(hosts.database) as connection:
        set_role(
            connection, "operator", "operator", actor="test", hosts=["one"], known_hosts=["one"]
        )
    page = hosts.open("one", "/", "operator")
    reader = hosts.download("two", "fresh", "operator")
    reader.send('{"status": "FAILED", "percentage": 10}')
    hosts.run()
    notice = element(messages(page), "work-notice-two-" + notice_seq(hosts))
    assert "Download of FRESH failed" in notice and "Retry the download" not in notice


def test_a_failed_load_is_told_by_the_models_name_before_the_host_listed_it(hosts):
    page = hosts.open("one", "/activity", "operator")
    unlisted = model("unlisted", downloaded=True)
    hosts.host("one").action_went_wrong(
        unlisted, Outcome("load", "operator", "failed", "Not enough memory")
    )
    hosts.run()
    sent = "".join(messages(page))
    assert "Load of UNLISTED failed: Not enough memory" in sent


def notice_seq(hosts: TwoHosts) -> str:
    """The sequence number the last notice of host two carries."""
    [(_at, _seq, notice)] = list(hosts.host("two").notices._kept)[-1:]
    return str(notice.seq)


def test_a_fleet_page_counts_as_one_page_of_its_session(hosts):
    hosts.open("one", "/fleet", "viewer")
    hosts.open("two", "/fleet", "viewer")  # the same page's socket on the other host
    hosts.open("two", "/hosts/two/", "viewer")
    assert hosts.fleet.pages_by_session() == {"session-viewer": 2}


def test_once_the_download_started_again_no_notice_offers_to_retry_it(hosts):
    pages = [hosts.open("one", "/", "operator"), hosts.open("two", "/hosts/two/", "operator")]
    reader = hosts.download("two", "fresh", "operator")
    reader.send('{"status": "FAILED", "percentage": 10}')
    hosts.run()
    notice_id = "work-notice-two-" + notice_seq(hosts)
    for page in pages:
        assert "Retry the download" in element(messages(page), notice_id)
    hosts.download("two", "fresh", "operator")  # retried from one of the person's windows
    for page in pages:  # its buttons again (where a retry's answer may be on its way)
        again = element(messages(page), notice_id + "-buttons")
        assert 'hx-swap-oob="true"' in again and "Retry the download" not in again
    late = hosts.open("one", "/activity", "operator", since=0)  # a page opening meanwhile
    assert "Retry the download" not in element(messages(late), notice_id)


def test_whoever_started_a_download_on_a_removed_host_is_told_it_is_no_longer_followed(hosts):
    page = hosts.open("one", "/", "operator")
    hosts.download("two", "fresh", "operator")
    hosts.fleet.remove("two", by="admin")
    hosts.run()
    told = "".join(messages(page))
    assert (
        "admin removed the host two from the panel: the download of FRESH is no longer "
        "followed (Pieces OS may go on with it)." in told
    )
