"""Security headers on every response, pages that run under the strict CSP, and TRUSTED_HOSTS."""

from html.parser import HTMLParser

import pytest

from tests.support.models import HTMX, upstream_models
from webapp.config import ConfigError

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for sources in directives.values():
        assert "*" not in sources and not any(
            source.endswith(":") and source != "data:" for source in sources
        ), policy
    for name, value in EXPECTED.items():
        assert response.headers[name] == value, name


def every_kind_of_response(client, anonymous_client, model_id: str):
    yield "page", client.get("/")
    yield "fragment", client.get("/", headers=HTMX)
    yield "detail", client.get(f"/models/{model_id}")
    yield "activity", client.get("/activity")
    yield "users", client.get("/users")
    yield "400", client.get("/activity?page=zero")
    yield "404", client.get("/no-such-page")
    yield "409 action", client.post(f"/models/{model_id}/cancel", headers=HTMX, data={"next": "/"})
    yield "redirect", anonymous_client.get("/")
    yield "401", anonymous_client.get("/", headers=HTMX)
    yield "login", anonymous_client.get("/login")
    yield "healthz", anonymous_client.get("/healthz")
    yield "static", anonymous_client.get("/static/app.css")


def test_every_response_has_the_security_headers(client, anonymous_client, simulator):
    model_id = upstream_models(simulator)[0].id
    for kind, response in every_kind_of_response(client, anonymous_client, model_id):
        try:
            assert_security_headers(response)
        except (AssertionError, KeyError) as failure:
            raise AssertionError(f"{kind}: {failure!r}") from None


class InlineCodeFinder(HTMLParser):
    """Collects everything a strict Content-Security-Policy would block or that smuggles code."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self._in_script = tag == "script"
        for name, value in attrs:
            if name == "style" or name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"{tag} {name}=")
            if value and (value.strip().lower().startswith(("js:", "javascript:"))):
                self.found.append(f"{tag} {name}={value[:30]}")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("script body")


@pytest.mark.parametrize("user", ["admin", "viewer", None])
def test_pages_hold_no_inline_code(panel, simulator, user):
    client = panel.test_client(user=user)
    custom = next(model for model in upstream_models(simulator) if model.custom)
    paths = (
        ["/login"] if user is None else ["/", f"/models/{custom.id}", "/activity", "/no-such-page"]
    )
    if user == "admin":
        paths += [f"/models/{custom.id}/edit", "/users"]
    for path in paths:
        finder = InlineCodeFinder()
        finder.feed(client.get(path).text)
        assert finder.found == [], path


class TestTrustedHosts:
    """Anonymous clients: the test client keeps cookies for "localhost" only."""

    def test_unset_only_the_loopback_names_are_served_on_loopback(self, panel_factory):
        client = panel_factory().test_client(user=None)
        assert client.get("/login", headers={"Host": "rebound.example"}).status_code == 400
        for host in ("localhost", "127.0.0.1:8000"):
            assert client.get("/login", headers={"Host": host}).status_code == 200, host

    def test_unset_an_address_answers_to_itself(self, panel_factory):
        client = panel_factory(HOST="192.168.1.20").test_client(user=None)
        assert client.get("/login", headers={"Host": "localhost"}).status_code == 400
        assert client.get("/login", headers={"Host": "192.168.1.20:8000"}).status_code == 200

    def test_unset_on_every_address_the_panel_will_not_start(self, panel_factory):
        with pytest.raises(ConfigError, match="TRUSTED_HOSTS must name"):
            panel_factory(HOST="0.0.0.0")

    def test_set_other_hosts_are_refused(self, panel_factory, simulator):
        client = panel_factory(TRUSTED_HOSTS=["panel.lan", ".team.example"]).test_client(user=None)
        for host in ("evil.example", "panel.lan.evil.example", "127.0.0.1", "localhost"):
            for path in ("/", "/login", "/healthz", "/static/app.css"):
                response = client.get(path, headers={"Host": host})
                assert response.status_code == 400, (host, path)
                assert "not trusted" in response.text and response.mimetype == "text/plain"
                assert_security_headers(response)
        sent = simulator.stats()["requests"]
        assert sent["version"] == sent["list"] == 0
        for host in ("panel.lan", "panel.lan:8000", "ops.team.example"):
            assert client.get("/login", headers={"Host": host}).status_code == 200, host
