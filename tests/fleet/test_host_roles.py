"""An operator limited to some hosts acts there and is a viewer on the others: the server refuses
its actions elsewhere naming the hosts it may act on, and every page of another host (live
fragments included) is rendered for a viewer. Renaming a host keeps its operators; removing an
operator's only host makes it a viewer, never an operator of every host."""

import pytest

from tests.activity.test_activity import log_of
from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.models import BUTTON, CONFIRMED, HTMX, model_in_state, rows, upstream_model
from tests.support.panel_fixtures import FLEET
from tests.support.servers import serve_in_thread, wait_until
from webapp.accounts.users import add_user, find_user, set_role
from webapp.db import connect
from webapp.fleet.stored import change_host, remove_host
from webapp.live.fanout import POLICY_VIOLATION, SESSION_ENDED_REASON

BUILD_BOX, GPU_1 = FLEET
#: What a scoped operator is told on a host outside its scope.
ONLY_BUILD_BOX = (
    f"You are logged in as operator (operator on {BUILD_BOX}); you can act on {BUILD_BOX} only, "
    f"not on {GPU_1}."
)


def limit(app, name: str, *hosts: str, role: str = "operator") -> None:
    with connect(app.config["DATABASE"]) as db:
        set_role(
            db,
            name,
            role,
            hosts=hosts,
            known_hosts=list(app.extensions["fleet"].hosts),
            actor="admin",
        )


@pytest.fixture
def scoped(fleet_panel):
    """The fleet panel, its operator limited to the build box: a client logged in as it."""
    limit(fleet_panel, "operator", BUILD_BOX)
    return fleet_panel.test_client(user="operator")


class TestActions:
    def test_a_scoped_operator_acts_on_its_host(self, fleet_panel, scoped, simulator):
        model = model_in_state(simulator, "downloaded")
        assert scoped.post(f"/models/{model.id}/load", headers=HTMX).status_code == 200
        assert upstream_model(simulator, model.id).loaded
        assert (
            scoped.post(
                f"/hosts/{BUILD_BOX}/models/{model.id}/unload", headers=HTMX, data=CONFIRMED
            ).status_code
            == 200
        )

    @pytest.mark.parametrize(
        "method, path",
        [
            ("POST", "/models/{id}/load"),
            ("POST", "/models/{id}/dismiss"),
            ("GET", "/models/{id}/delete-files"),
            ("POST", "/models/{id}/delete-files"),
            ("GET", "/unload-all"),
            ("POST", "/unload-all"),
        ],
    )
    def test_elsewhere_it_is_refused_naming_its_hosts(
        self, fleet_panel, scoped, second_simulator, method, path
    ):
        model = model_in_state(second_simulator, "downloaded")
        url = f"/hosts/{GPU_1}" + path.format(id=model.id)
        refused = scoped.open(url, method=method, data=CONFIRMED if method == "POST" else None)
        assert refused.status_code == 403
        assert ONLY_BUILD_BOX in refused.text
        assert upstream_model(second_simulator, model.id).downloaded  # nothing was done
        (entry,) = log_of(fleet_panel, action="access")
        assert (entry["user"], entry["outcome"]) == ("operator", "refused")
        assert entry["host"] == GPU_1  # (the Activity page's host filter finds it)

    def test_what_only_admins_do_stays_theirs_on_its_own_host(self, scoped):
        refused = scoped.get("/custom-models/new")
        assert refused.status_code == 403 and "only admins can edit custom models" in refused.text

    def test_an_operator_of_every_host_and_admins_act_everywhere(
        self, fleet_panel, second_simulator
    ):
        for user in ("operator", "admin"):
            model = model_in_state(second_simulator, "not downloaded")
            client = fleet_panel.test_client(user=user)
            started = client.post(f"/hosts/{GPU_1}/models/{model.id}/download", headers=HTMX)
            assert started.status_code == 200
            assert upstream_model(second_simulator, model.id).state != "not downloaded"


class TestPages:
    def test_its_pages_of_another_host_offer_no_action(self, scoped, second_simulator):
        own, other = scoped.get("/").text, scoped.get(f"/hosts/{GPU_1}/").text
        assert BUTTON.search(own) and not BUTTON.search(other)
        assert 'href="/unload-all' in own and "unload-all" not in other
        model = model_in_state(second_simulator, "downloaded")
        page = scoped.get(f"/hosts/{GPU_1}/models/{model.id}").text
        assert rows(own) and not BUTTON.search(page)

    def test_its_header_names_its_hosts(self, scoped):
        assert f"operator on {BUILD_BOX}" in scoped.get(f"/hosts/{GPU_1}/").text


@pytest.fixture
def served(fleet_panel):
    server = serve_in_thread(fleet_panel)
    yield server.url
    server.stop()


def open_page(app, url: str, browser, path: str) -> LivePage:
    host = app.extensions["fleet"].get(GPU_1 if path.startswith("/hosts/") else BUILD_BOX)
    before = host.viewer_count
    page = LivePage(url, path, cookie=cookie_header(browser))
    wait_until(lambda: host.viewer_count > before, what="the page to register")
    return page


class TestLivePages:
    def test_each_hosts_live_page_is_rendered_for_its_role_there_and_stays_open(
        self, fleet_panel, served, simulator, second_simulator
    ):
        limit(fleet_panel, "operator", BUILD_BOX)
        browser = login_over_http(served, "operator")
        own = open_page(fleet_panel, served, browser, "/")
        other = open_page(fleet_panel, served, browser, f"/hosts/{GPU_1}/")
        # Each page's role on its host is still its user's role there: neither closes.
        fleet_panel.extensions["fleet"].check_sessions()
        admin = fleet_panel.test_client(user="admin")
        for page, prefix, upstream, buttons in (
            (own, "", simulator, True),
            (other, f"/hosts/{GPU_1}", second_simulator, False),
        ):
            model = model_in_state(upstream, "loaded")
            unload = f"{prefix}/models/{model.id}/unload"
            assert admin.post(unload, headers=HTMX, data=CONFIRMED).status_code == 200
            row = page.read_until_row(model.id, "downloaded")
            assert bool(BUTTON.search(row)) is buttons
            page.close()

    def test_a_change_of_hosts_closes_its_pages_saying_so(self, fleet_panel, served):
        browser = login_over_http(served, "operator")
        page = open_page(fleet_panel, served, browser, f"/hosts/{GPU_1}/")
        admin = fleet_panel.test_client(user="admin")
        changed = admin.post(
            "/users/operator/role", data={"role": "operator", "hosts": [BUILD_BOX]}
        )
        assert changed.status_code == 303
        assert page.close_frame() == (POLICY_VIOLATION, SESSION_ENDED_REASON)
        (farewell,) = [text for text in page.received if 'id="session-ended"' in text]
        assert f"admin changed your role to operator on {BUILD_BOX}." in farewell


class TestHostsComeAndGo:
    def test_a_renamed_host_keeps_its_operators(self, fleet_panel, second_simulator):
        limit(fleet_panel, "operator", GPU_1)
        with connect(fleet_panel.config["DATABASE"]) as db:
            change_host(db, GPU_1, "gpu-one", second_simulator.url, actor="admin")
            assert find_user(db, "operator").hosts == ("gpu-one",)

    def test_removing_an_operators_only_host_makes_it_a_viewer(self, fleet_panel, second_simulator):
        limit(fleet_panel, "operator", GPU_1)
        with connect(fleet_panel.config["DATABASE"]) as db:
            add_user_on(db, "olga", BUILD_BOX, GPU_1)
            session = fleet_panel.test_client(user="operator")
            assert remove_host(db, GPU_1, actor="admin") == ["operator"]
            operator, olga = find_user(db, "operator"), find_user(db, "olga")
        assert (operator.role, operator.hosts) == ("viewer", ())
        assert (olga.role, olga.hosts) == ("operator", (BUILD_BOX,))
        (entry,) = [e for e in log_of(fleet_panel, action="set-role") if "removed" in e["detail"]]
        assert entry["detail"] == (
            f"Changed operator from operator on {GPU_1} to viewer: {GPU_1} was removed;"
            " their API tokens ended."
        )
        assert session.get("/").status_code == 302  # its session ended, as a new role's does


def add_user_on(db, name: str, *hosts: str) -> None:
    password = "a long enough password"
    add_user(db, name, "operator", password, actor="admin", hosts=hosts, known_hosts=FLEET)


def test_removing_an_operators_only_host_on_the_hosts_page_says_it_is_now_a_viewer(fleet_panel):
    limit(fleet_panel, "operator", GPU_1)
    operator = fleet_panel.test_client(user="operator")
    assert operator.get("/account").status_code == 200
    admin = fleet_panel.test_client()
    removed = admin.post(f"/hosts/{GPU_1}/remove", data={"confirmed": "yes"})
    assert removed.status_code == 303
    page = admin.get("/hosts").text
    assert f"Removed {GPU_1}. operator acted on {GPU_1} only: now a viewer on every host." in page
    assert operator.get("/account").status_code in (302, 303)  # its session ended


def test_a_refusal_on_a_page_of_no_host_names_none(fleet_panel, scoped):
    assert scoped.get("/users").status_code == 403
    (entry,) = log_of(fleet_panel, action="access")
    assert entry["host"] is None
