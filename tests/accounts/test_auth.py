"""Logging in and out, the gate in front of every route, roles, sessions and the login throttle."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.accounts import TEST_PASSWORD, WRONG_PASSWORD, log_in
from tests.support.models import (
    BUTTON,
    HTMX,
    act,
    model_in_state,
    sent_upstream,
    upstream_model,
    upstream_models,
)
from webapp.accounts.sessions import PROXY_SECRET_HEADER
from webapp.config import ConfigError


def login_target(response) -> str:
    """The ``next`` of a redirect to the login page."""
    location = urlsplit(
        response.headers["Location"]
        if "Location" in response.headers
        else response.headers["HX-Redirect"]
    )
    assert location.path == "/login"
    return parse_qs(location.query)["next"][0]


class TestGate:
    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/activity",
            "/users",
            "/models/some-model",
            "/models/some-model/edit",
            "/activity?page=2",
        ],
    )
    def test_pages_send_anonymous_browsers_to_the_login_page(
        self, anonymous_client, simulator, path
    ):
        response = anonymous_client.get(path)
        assert response.status_code == 302
        assert login_target(response) == path
        assert sent_upstream(simulator) == 0

    def test_htmx_requests_get_401_and_a_redirect_for_the_whole_page(
        self, anonymous_client, simulator
    ):
        response = anonymous_client.get(
            "/?q=llama", headers={**HTMX, "HX-Current-URL": "http://localhost/?state=loaded"}
        )
        assert response.status_code == 401
        assert login_target(response) == "/?state=loaded"
        assert "<html" not in response.text and "log in again" in response.text
        assert sent_upstream(simulator) == 0

    @pytest.mark.parametrize("page", ["http://[::1", "not a url", "javascript:alert(1)"])
    def test_an_htmx_request_from_a_page_that_is_no_url_here_returns_to_the_list(
        self, anonymous_client, page
    ):
        response = anonymous_client.get("/activity", headers={**HTMX, "HX-Current-URL": page})
        assert response.status_code == 401 and login_target(response) == "/"

    def test_actions_are_refused_before_reaching_pieces_os(self, anonymous_client, simulator):
        model = model_in_state(simulator, "downloaded")
        before = sent_upstream(simulator)
        assert act(anonymous_client, model.id, "load").status_code == 401
        no_js = act(anonymous_client, model.id, "load", htmx=False, next="/?state=downloaded")
        assert no_js.status_code == 302 and login_target(no_js) == "/?state=downloaded"
        assert sent_upstream(simulator) == before
        assert not upstream_model(simulator, model.id).loaded

    def test_public_routes_stay_public(self, anonymous_client):
        assert anonymous_client.get("/healthz").json["panel"] == "ok"
        assert anonymous_client.get("/static/app.css").status_code == 200
        assert anonymous_client.get("/login").status_code == 200

    def test_a_route_added_later_is_covered_too(self, panel_factory):
        app = panel_factory()
        app.add_url_rule("/added-later", "added_later", lambda: "secret")
        assert app.test_client(user=None).get("/added-later").status_code == 302
        assert app.test_client(user="viewer").get("/added-later").text == "secret"

    def test_websocket_handshake_without_login_is_401(self, panel_factory):
        app = panel_factory()
        app.add_url_rule("/socket-for-tests", "socket", lambda: "opened", websocket=True)
        handshake = {"Upgrade": "websocket", "Connection": "Upgrade", "Origin": "http://localhost"}
        assert (
            app.test_client(user=None).get("/socket-for-tests", headers=handshake).status_code
            == 401
        )
        assert app.test_client().get("/socket-for-tests", headers=handshake).text == "opened"


class TestLogin:
    def test_logging_in_opens_the_page_asked_for(self, anonymous_client):
        target = "/activity?action=load"
        response = log_in(anonymous_client, "operator", form={"next": target})
        assert response.status_code == 303 and response.headers["Location"] == target
        page = anonymous_client.get("/activity").text
        assert "operator" in page and "Log out" in page

    def test_names_are_not_case_sensitive(self, anonymous_client):
        assert log_in(anonymous_client, "OPERATOR").status_code == 303

    @pytest.mark.parametrize(
        "name, password",
        [("operator", WRONG_PASSWORD), ("nobody", TEST_PASSWORD), ("", ""), ("operator", "")],
    )
    def test_wrong_credentials_are_refused(self, anonymous_client, name, password):
        response = log_in(anonymous_client, name, password)
        assert response.status_code == 401 and "Wrong name or password." in response.text
        assert anonymous_client.get("/").status_code == 302

    @pytest.mark.parametrize(
        "target",
        [
            "//evil.example/",
            "https://evil.example/",
            "javascript:alert(1)",
            "/\\evil.example/",
            "/\r\nSet-Cookie: x=1",
        ],
    )
    def test_next_cannot_leave_the_panel(self, anonymous_client, target):
        assert log_in(anonymous_client, "viewer", form={"next": target}).headers["Location"] == "/"

    def test_a_logged_in_visit_to_the_login_page_goes_on(self, viewer_client):
        response = viewer_client.get("/login?next=/activity")
        assert response.status_code == 303 and response.headers["Location"] == "/activity"

    def test_control_characters_in_next_go_home_not_to_a_500(self, viewer_client):
        response = viewer_client.get("/login?next=/%0D%0Ax")
        assert response.status_code == 303 and response.headers["Location"] == "/"

    def test_logging_in_drops_whatever_the_session_held(self, anonymous_client):
        anonymous_client.get("/login")
        with anonymous_client.session_transaction() as session:
            session["planted"] = "by someone else"
        log_in(anonymous_client, "viewer")
        with anonymous_client.session_transaction() as session:
            assert "planted" not in session

    def test_logging_in_changes_the_csrf_token(self, anonymous_client):
        anonymous_client.get("/login")
        with anonymous_client.session_transaction() as session:
            before = session["csrf_token"]
        log_in(anonymous_client, "viewer")
        with anonymous_client.session_transaction() as session:
            assert session["csrf_token"] != before

    def test_logout_ends_the_session(self, viewer_client):
        response = viewer_client.post("/logout")
        assert response.status_code == 303 and response.headers["Location"] == "/login"
        assert "You are logged out." in viewer_client.get("/login").text
        assert viewer_client.get("/").status_code == 302

    def test_logout_is_a_post(self, viewer_client):
        assert viewer_client.get("/logout").status_code == 405
        assert viewer_client.get("/activity").status_code == 200


class TestRoles:
    def test_viewers_see_no_buttons_and_no_edit_link(self, viewer_client, simulator):
        assert BUTTON.findall(viewer_client.get("/").text) == []
        custom = next(model for model in upstream_models(simulator) if model.custom)
        detail = viewer_client.get(f"/models/{custom.id}").text
        assert BUTTON.findall(detail) == [] and "/edit" not in detail

    def test_operators_see_buttons_but_no_edit_link(self, operator_client, simulator):
        assert BUTTON.findall(operator_client.get("/").text)
        custom = next(model for model in upstream_models(simulator) if model.custom)
        assert "/edit" not in operator_client.get(f"/models/{custom.id}").text

    @pytest.mark.parametrize("htmx", [True, False])
    def test_viewers_cannot_act(self, viewer_client, simulator, htmx):
        model = model_in_state(simulator, "downloaded")
        before = sent_upstream(simulator)
        response = act(viewer_client, model.id, "load", htmx=htmx)
        assert response.status_code == 403
        assert (
            "only operators and admins can download, cancel, load or unload models" in response.text
        )
        assert ("<html" in response.text) is not htmx  # the fragment for htmx
        assert sent_upstream(simulator) == before

    def test_operators_can_act_but_not_edit(self, operator_client, simulator):
        model = model_in_state(simulator, "downloaded")
        assert act(operator_client, model.id, "load").status_code == 200
        assert upstream_model(simulator, model.id).loaded
        custom = next(model for model in upstream_models(simulator) if model.custom)
        before = simulator.stats()["requests"]["update"]
        for method in ("GET", "POST"):
            response = operator_client.open(
                f"/models/{custom.id}/edit", method=method, data={"name": "x"}
            )
            assert response.status_code == 403 and "only admins can edit" in response.text
        assert simulator.stats()["requests"]["update"] == before

    @pytest.mark.parametrize("user", ["viewer", "operator"])
    def test_only_admins_manage_users(self, panel, user):
        client = panel.test_client(user=user)
        assert client.get("/users").status_code == 403
        response = client.post(
            "/users",
            data={
                "name": "mallory",
                "role": "admin",
                "password": "x" * 12,
                "password_repeat": "x" * 12,
            },
        )
        assert response.status_code == 403
        assert "only admins can manage users" in response.text
        assert 'href="/users"' not in client.get("/activity").text

    def test_the_nav_names_the_user_and_offers_users_to_admins(self, client, viewer_client):
        admin_page = client.get("/activity").text
        assert 'href="/users"' in admin_page and ">admin</a>" in admin_page
        viewer_page = viewer_client.get("/activity").text
        assert ">viewer</a>" in viewer_page and "(viewer)" in viewer_page
        assert 'href="/users"' not in viewer_page
        assert 'action="/logout"' in viewer_page


class TestTrustedProxyUser:
    HEADER = "X-Forwarded-User"
    SECRET = "the-proxy-and-the-panel-share-this"

    def proxied(self, panel_factory, proxies):
        app = panel_factory(
            TRUSTED_PROXY_USER_HEADER=self.HEADER,
            TRUSTED_PROXIES=proxies,
            TRUSTED_PROXY_SECRET=self.SECRET,
        )
        return app.test_client(user=None)

    def from_proxy(self, name: str, secret: str | None = SECRET) -> dict:
        return {self.HEADER: name, **({PROXY_SECRET_HEADER: secret} if secret else {})}

    def test_a_trusted_proxy_logs_the_user_in_once_per_session(self, panel_factory):
        client = self.proxied(panel_factory, frozenset({"127.0.0.1"}))
        page = client.get("/activity", headers=self.from_proxy("operator"))
        assert page.status_code == 200 and "(operator)" in page.text
        assert client.get("/activity", headers=self.from_proxy("operator")).status_code == 200
        log = client.get("/activity?action=login&user=operator").text
        assert log.count("Logged in by the reverse proxy.") == 1

    @pytest.mark.parametrize("secret", [None, "", "the-proxy-and-the-panel-share-thiS"])
    def test_without_the_proxys_secret_the_header_is_ignored(self, panel_factory, secret):
        client = self.proxied(panel_factory, frozenset({"127.0.0.1"}))
        assert client.get("/activity", headers=self.from_proxy("admin", secret)).status_code == 302

    def test_the_header_is_ignored_from_other_addresses(self, panel_factory):
        client = self.proxied(panel_factory, frozenset({"192.0.2.1"}))
        assert client.get("/activity", headers=self.from_proxy("admin")).status_code == 302

    def test_the_user_must_exist(self, panel_factory):
        client = self.proxied(panel_factory, frozenset({"127.0.0.1"}))
        assert client.get("/activity", headers=self.from_proxy("mallory")).status_code == 302

    def test_the_header_without_a_secret_is_refused_at_start(self, panel_factory):
        with pytest.raises(ConfigError, match="TRUSTED_PROXY_SECRET"):
            panel_factory(
                TRUSTED_PROXY_USER_HEADER=self.HEADER, TRUSTED_PROXIES=frozenset({"127.0.0.1"})
            )

    def test_without_the_setting_the_header_means_nothing(self, panel_factory):
        client = panel_factory(TRUSTED_PROXIES=frozenset({"127.0.0.1"})).test_client(user=None)
        assert client.get("/activity", headers={self.HEADER: "admin"}).status_code == 302
