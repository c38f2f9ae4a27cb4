"""Fixtures for the panel: apps wired to the test's simulator, test clients logged in as each
role, and an address where nothing listens.

Every app gets its own instance folder and a copy of a database that holds one account per role
(``accounts.ACCOUNTS``, password ``accounts.TEST_PASSWORD``); apps built in the same test share
them, like the workers of one deployment.

- ``client``: logged in as admin; its POSTs carry the CSRF token, as htmx sends them.
- ``operator_client``, ``viewer_client``: the same for the other roles.
- ``anonymous_client``: nobody logged in, no CSRF token.
- ``panel_factory(**config)`` builds more apps; any app's ``test_client(user=NAME)`` is logged in
  as NAME (``user=None``: anonymous).
- ``panel_database``: the path of this test's database (e.g. for a panel under gunicorn).
- ``fleet_panel``: a panel of two hosts, ``build-box`` (the test's ``simulator``, the first)
  and ``gpu-1`` (``second_simulator``, less memory and another version).
"""

import shutil
import socket

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from tests.support.accounts import seed_database
from webapp import create_app
from webapp.accounts.sessions import start_session
from webapp.accounts.users import find_user
from webapp.db import get_db
from webapp.security import csrf


class PanelClient(FlaskClient):
    """A test client logged in as ``user`` (None: nobody) whose POST, PUT, PATCH and DELETE
    requests carry the session's CSRF token in the X-CSRF-Token header, unless they set it
    (or ``csrf_header=False``: then they send only what they set, as a forged request would).

    The session is opened as the login form opens it (``session_hash`` is its row in the
    database), minus the password check: a scrypt check costs about 0.1 s, and few tests are
    about logging in (test_auth.py logs in for real).
    """

    def __init__(self, *args, user: str | None = "admin", csrf_header: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.csrf_token = None
        self.session_hash = None
        self.csrf_header = csrf_header
        if user is None:
            return
        with self.application.app_context(), self.session_transaction() as session:
            self.session_hash = start_session(get_db(), session, find_user(get_db(), user))
            self.csrf_token = session[csrf.SESSION_KEY]

    def open(self, *args, **kwargs):
        if (
            self.csrf_header
            and self.csrf_token
            and kwargs.get("method", "GET").upper() in csrf.UNSAFE_METHODS
        ):
            headers = Headers(kwargs.get("headers") or {})
            headers.setdefault(csrf.HEADER, self.csrf_token)
            kwargs["headers"] = headers
        # Read and close each answer at once, as a server does: a client's turn among its
        # requests ends when its answer is closed (webapp/serving/admission.py).
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def closed_port_url() -> str:
    """A loopback address where nothing listens: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory) -> str:
    """A database with the test accounts, made once: hashing their passwords takes time."""
    path = str(tmp_path_factory.mktemp("seed") / "panel.sqlite")
    seed_database(path)
    return path


@pytest.fixture
def panel_database(seeded_database, tmp_path) -> str:
    """This test's own copy of the seeded database."""
    path = tmp_path / "panel.sqlite"
    shutil.copyfile(seeded_database, path)
    return str(path)


@pytest.fixture
def panel_factory(simulator, panel_database, tmp_path):
    """Build a panel app talking to this test's simulator; keyword arguments override config.
    Each app's live host is shut down after the test, so no relay or refresher outlives it."""
    built = []

    def build(**config):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-only-key",
                "PIECES_OS_URL": simulator.url,
                "PIECES_OS_READ_TIMEOUT": 5.0,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "DATABASE": panel_database,
                **config,
            }
        )
        app.test_client_class = PanelClient
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["fleet"].shutdown()


@pytest.fixture
def panel(panel_factory):
    return panel_factory()


#: The hosts of ``fleet_panel``, in order.
FLEET = ("build-box", "gpu-1")


@pytest.fixture
def second_simulator(simulator_factory):
    return simulator_factory(memory_gb=8, version="12.4.0")


@pytest.fixture
def fleet_panel(panel_factory, simulator, second_simulator):
    return panel_factory(
        PIECES_OS_HOSTS=((FLEET[0], simulator.url), (FLEET[1], second_simulator.url))
    )


@pytest.fixture
def client(panel) -> PanelClient:
    """Logged in as admin (every action allowed), CSRF header included."""
    return panel.test_client()


@pytest.fixture
def operator_client(panel) -> PanelClient:
    return panel.test_client(user="operator")


@pytest.fixture
def viewer_client(panel) -> PanelClient:
    return panel.test_client(user="viewer")


@pytest.fixture
def anonymous_client(panel) -> PanelClient:
    return panel.test_client(user=None)
