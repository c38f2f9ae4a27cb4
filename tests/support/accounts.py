"""The test accounts, one per role, and logging in to a panel served on loopback as a browser does.

Every panel built by the fixtures has these accounts (see panel_fixtures.py). For a panel served
over HTTP (``serve_in_thread``, gunicorn), ``login_over_http`` gives a ``requests.Session`` that
is logged in and sends the CSRF header on its own; pass ``cookie_header(session)`` as the
``cookie`` of a WebSocket client.
"""

import re

import requests

from webapp.accounts.users import add_user
from webapp.db import connect, prepare_database

#: The password of every test account.
TEST_PASSWORD = "correct horse battery staple"
#: name -> role; each role's account is named after it.
ACCOUNTS = {"admin": "admin", "operator": "operator", "viewer": "viewer"}

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_database(path: str, actor: str = "tests") -> None:
    """Create a panel database at ``path`` holding the test accounts, added by ``actor`` (about
    0.1 s per account: their passwords are hashed with scrypt)."""
    prepare_database(path)
    db = connect(path)
    for name, role in ACCOUNTS.items():
        add_user(db, name, role, TEST_PASSWORD, actor=actor)
    db.close()


def csrf_token_in(html: str) -> str:
    """The CSRF token of a page's forms."""
    return _TOKEN.search(html).group(1)


def login_over_http(
    base_url: str, name: str = "admin", password: str = TEST_PASSWORD
) -> requests.Session:
    """Log in through the login form; the session then carries the cookie and the CSRF header."""
    session = requests.Session()
    form = session.get(f"{base_url}/login", timeout=5)
    response = session.post(
        f"{base_url}/login",
        timeout=5,
        allow_redirects=False,
        data={"name": name, "password": password, "csrf_token": csrf_token_in(form.text)},
    )
    assert response.status_code == 303, f"login as {name} failed: {response.status_code}"
    # Logging in gives the session a new token; any page shows it.
    session.headers["X-CSRF-Token"] = csrf_token_in(
        session.get(f"{base_url}/activity", timeout=5).text
    )
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)


WRONG_PASSWORD = "not the password at all"


def log_in(client, name: str, password: str = TEST_PASSWORD, **options):
    """Submit the login form as a browser does: fetch it for its token, then post it."""
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token, **options.pop("form", {})},
        **options,
    )
