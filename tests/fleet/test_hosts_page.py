"""The Hosts page: admins add, change, test and remove the fleet's hosts; each address's
Pieces OS is asked first; what cannot be done is refused, saying why, and logged."""

import re
from html import unescape

import pytest

from tests.support.models import CONFIRMED, HTMX, model_in_state, rows
from tests.support.panel_fixtures import FLEET
from webapp.db import connect
from webapp.fleet.routing import HOST_PAGES
from webapp.fleet.stored import stored_hosts

ONLY_ON_THE_NEW_HOST = {"id": "only-there", "name": "Only On The New Host", "cloud": False}


def host_names(app) -> list[str]:
    return list(app.extensions["fleet"].hosts)


def stored_names(app) -> list[str]:
    with connect(app.config["DATABASE"]) as db:
        return [host.name for host in stored_hosts(db)]


def logged(app, action: str) -> list[tuple[str, str | None, str]]:
    """(outcome, host, detail) of each entry of ``action``, oldest first."""
    with connect(app.config["DATABASE"]) as db:
        entries = db.execute(
            "SELECT outcome, host, detail FROM activity WHERE action = ? ORDER BY id", (action,)
        ).fetchall()
    return [tuple(entry) for entry in entries]


def error_shown(html: str) -> str:
    """The reason the page gives, as a person reads it."""
    return unescape(
        re.search(r'<p class="banner banner-error" role="alert">(.*?)</p>', html, re.S)[1]
    )


def test_an_admin_adds_a_host_and_finds_its_models_under_its_name(panel, client, simulator_factory):
    new = simulator_factory(memory_gb=8, version="12.4.1")
    new.control("POST", "models", ONLY_ON_THE_NEW_HOST).raise_for_status()
    added = client.post("/hosts", data={"name": "gpu-2", "url": new.url + "/"})
    assert added.status_code == 303 and added.headers["Location"] == "/hosts"
    page = client.get("/hosts").text
    assert "Added gpu-2 (Pieces OS 12.4.1)." in page
    row = re.search(r'<tr id="host-gpu-2">.*?</tr>', page, re.S)[0]
    assert 'href="/hosts/gpu-2/"' in row and new.url in row and "Pieces OS 12.4.1" in row
    assert "the database" in row and 'href="/hosts/gpu-2/remove"' in row
    models = client.get("/hosts/gpu-2/")
    assert models.status_code == 200 and "only-there" in rows(models.text)
    assert "only-there" not in rows(client.get("/").text)
    assert host_names(panel) == ["local", "gpu-2"] and stored_names(panel) == ["gpu-2"]
    assert logged(panel, "add-host") == [("ok", "gpu-2", f"Added gpu-2 at {new.url}.")]


def test_the_header_links_the_hosts_page_for_admins_only(panel):
    assert 'href="/hosts"' in panel.test_client().get("/").text
    for role in ("operator", "viewer"):
        assert 'href="/hosts"' not in panel.test_client(user=role).get("/").text


def test_the_configured_local_host_says_where_it_comes_from_and_offers_no_change(client):
    row = re.search(r'<tr id="host-local">.*?</tr>', client.get("/hosts").text, re.S)[0]
    assert 'href="/"' in row and "PIECES_OS_URL" in row and "Set by the environment" in row
    assert "/hosts/local/remove" not in row and "/hosts/local/change" not in row


@pytest.mark.parametrize(
    ("name", "url", "message"),
    [
        ("Upper", None, "'Upper' is not a host name"),
        ("<b>x</b>", None, "is not a host name"),
        ("x" * 33, None, "is not a host name"),
        ("local", None, "There is a host named local already"),
        ("gpu-2", "ftp://127.0.0.1:1", "is not a Pieces OS address"),
        ("gpu-2", "not an address", "is not a Pieces OS address"),
        ("gpu-2", "http://127.0.0.1:1/?a=1", "is not a Pieces OS address"),
        ("gpu-2", None, "local is at http://127.0.0.1:"),  # (local's own address)
    ],
)
def test_an_add_with_a_bad_or_taken_name_or_a_bad_address_is_refused(
    panel, client, simulator, name, url, message
):
    answer = client.post("/hosts", data={"name": name, "url": url or simulator.url})
    assert answer.status_code == 422 and message in error_shown(answer.text)
    assert "<b>x</b>" not in answer.text  # said, and typed back, escaped
    assert host_names(panel) == ["local"] and stored_names(panel) == []
    assert [outcome for outcome, _host, _detail in logged(panel, "add-host")] == ["refused"]


def test_a_name_kept_in_the_database_is_taken_too(fleet_panel, simulator_factory):
    client = fleet_panel.test_client()
    answer = client.post("/hosts", data={"name": FLEET[1], "url": simulator_factory().url})
    assert answer.status_code == 422 and f"a host named {FLEET[1]} already" in answer.text


def test_a_change_to_another_hosts_address_is_refused(fleet_panel, simulator):
    client = fleet_panel.test_client()
    answer = client.post(f"/hosts/{FLEET[1]}/change", data={"url": simulator.url, "anyway": "yes"})
    assert answer.status_code == 422
    assert f"{FLEET[0]} is at {simulator.url} already" in error_shown(answer.text)


def test_an_unreachable_address_is_refused_unless_added_anyway(panel, client, closed_port_url):
    form = {"name": "asleep", "url": closed_port_url}
    refused = client.post("/hosts", data=form)
    assert refused.status_code == 422
    said = error_shown(refused.text)
    assert f"not reachable at {closed_port_url}" in said and "Add it anyway" in said
    assert f'value="{closed_port_url}"' in refused.text  # what was typed stays in the form
    assert host_names(panel) == ["local"]
    added = client.post("/hosts", data={**form, "anyway": "yes"})
    assert added.status_code == 303 and host_names(panel) == ["local", "asleep"]
    page = client.get("/hosts").text
    assert f"Added asleep, although: Pieces OS is not reachable at {closed_port_url}." in page
    row = re.search(r'<tr id="host-asleep">.*?</tr>', page, re.S)[0]
    assert "No: Pieces OS is not reachable" in row
    assert client.get("/hosts/asleep/").status_code == 200  # its pages say it does not answer


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("11.9.0", "runs Pieces OS 11.9.0; the panel supports 12.0.0"),
        ("13.0.0", "runs Pieces OS 13.0.0; the panel supports 12.0.0"),
        ("banana", "answers 'banana' for its version: that is no Pieces OS version"),
    ],
)
def test_an_unsupported_version_is_refused_unless_added_anyway(
    panel, client, simulator_factory, version, message
):
    other = simulator_factory(version=version)
    form = {"name": "odd", "url": other.url}
    refused = client.post("/hosts", data=form)
    assert refused.status_code == 422 and message in error_shown(refused.text)
    assert host_names(panel) == ["local"]
    assert client.post("/hosts", data={**form, "anyway": "yes"}).status_code == 303
    assert host_names(panel) == ["local", "odd"]


def test_an_add_without_the_csrf_token_is_refused(panel, simulator_factory):
    other = simulator_factory()
    forged = panel.test_client(csrf_header=False)
    answer = forged.post("/hosts", data={"name": "gpu-2", "url": other.url})
    assert answer.status_code == 400 and "security token" in answer.text
    wrong = forged.post(
        "/hosts", data={"name": "gpu-2", "url": other.url, "csrf_token": "not the token"}
    )
    assert wrong.status_code == 400
    assert host_names(panel) == ["local"] and other.stats()["requests"].get("version", 0) == 0


HOSTS_ROUTES = [
    ("GET", "/hosts"),
    ("POST", "/hosts"),
    ("POST", f"/hosts/{FLEET[1]}/change"),
    ("POST", f"/hosts/{FLEET[1]}/test"),
    ("GET", f"/hosts/{FLEET[1]}/remove"),
    ("POST", f"/hosts/{FLEET[1]}/remove"),
]


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_operators_and_viewers_are_refused_every_hosts_route(fleet_panel, second_simulator, role):
    client = fleet_panel.test_client(user=role)
    form = {"name": "gpu-2", "url": second_simulator.url, **CONFIRMED}
    for method, path in HOSTS_ROUTES:
        answer = client.open(path, method=method, data=form if method == "POST" else None)
        assert answer.status_code == 403, (method, path)
        assert "only admins can add, change or remove Pieces OS hosts" in answer.text
    assert host_names(fleet_panel) == list(FLEET)
    refusals = [detail for outcome, _host, detail in logged(fleet_panel, "access")]
    assert refusals == [f"{method} {path}" for method, path in HOSTS_ROUTES]


def test_a_renamed_host_keeps_its_log_entries_and_its_old_urls_are_gone(
    fleet_panel, second_simulator
):
    operator = fleet_panel.test_client(user="operator")
    model = model_in_state(second_simulator, "not downloaded")
    answer = operator.post(f"/hosts/{FLEET[1]}/models/{model.id}/download", headers=HTMX)
    assert answer.status_code == 200
    client = fleet_panel.test_client()
    renamed = client.post(f"/hosts/{FLEET[1]}/change", data={"name": "gpu-2"})
    assert renamed.status_code == 303
    assert f"Renamed {FLEET[1]} to gpu-2." in client.get("/hosts").text
    assert host_names(fleet_panel) == [FLEET[0], "gpu-2"]
    assert client.get(f"/hosts/{FLEET[1]}/").status_code == 404
    assert client.get(f"/hosts/{FLEET[1]}/models/{model.id}").status_code == 404
    assert model.id in rows(client.get("/hosts/gpu-2/").text)
    assert logged(fleet_panel, "download")[0][1] == "gpu-2"
    assert logged(fleet_panel, "change-host")[0][:2] == ("ok", "gpu-2")


def test_a_rename_to_a_taken_name_or_to_the_same_is_refused(fleet_panel, second_simulator):
    client = fleet_panel.test_client()
    taken = client.post(f"/hosts/{FLEET[1]}/change", data={"name": FLEET[0]})
    assert taken.status_code == 422 and f"a host named {FLEET[0]} already" in taken.text
    same = client.post(
        f"/hosts/{FLEET[1]}/change", data={"name": FLEET[1], "url": second_simulator.url}
    )
    assert same.status_code == 422 and "nothing to change" in same.text
    bad = client.post(f"/hosts/{FLEET[1]}/change", data={"name": "Not A Name"})
    assert bad.status_code == 422
    assert host_names(fleet_panel) == list(FLEET)
    assert [entry[:2] for entry in logged(fleet_panel, "change-host")] == [
        ("refused", FLEET[1])
    ] * 3


def test_renaming_the_first_host_keeps_its_urls_without_prefix(fleet_panel, simulator):
    client = fleet_panel.test_client()
    assert client.post(f"/hosts/{FLEET[0]}/change", data={"name": "main"}).status_code == 303
    assert host_names(fleet_panel) == ["main", FLEET[1]]
    page = client.get("/")
    assert page.status_code == 200 and rows(page.text)
    assert 'href="/hosts/main/' not in page.text
    assert client.get("/hosts/main/").status_code == 200


def test_a_new_address_moves_the_hosts_live_state(
    fleet_panel, second_simulator, simulator_factory, closed_port_url
):
    moved_to = simulator_factory(memory_gb=32, version="12.4.1")
    moved_to.control("POST", "models", ONLY_ON_THE_NEW_HOST).raise_for_status()
    fleet = fleet_panel.extensions["fleet"]
    before = fleet.get(FLEET[1])
    client = fleet_panel.test_client()
    refused = client.post(f"/hosts/{FLEET[1]}/change", data={"url": closed_port_url})
    assert refused.status_code == 422 and "Change it anyway" in refused.text
    assert fleet.get(FLEET[1]) is before
    changed = client.post(f"/hosts/{FLEET[1]}/change", data={"url": moved_to.url})
    assert changed.status_code == 303
    said = f"Moved {FLEET[1]} to {moved_to.url} (Pieces OS 12.4.1)."
    assert said in client.get("/hosts").text
    after = fleet.get(FLEET[1])
    assert after is not before and after.client.base_url == moved_to.url
    assert before.loop.stopped and host_names(fleet_panel) == list(FLEET)
    assert "only-there" in rows(client.get(f"/hosts/{FLEET[1]}/").text)
    with connect(fleet_panel.config["DATABASE"]) as db:
        assert {host.name: host.url for host in stored_hosts(db)}[FLEET[1]] == moved_to.url


def test_removing_a_host_asks_first(fleet_panel, second_simulator):
    client = fleet_panel.test_client()
    question = client.get(f"/hosts/{FLEET[1]}/remove")
    assert question.status_code == 200
    assert f"Remove the host {FLEET[1]}?" in question.text and second_simulator.url in question.text
    assert "PIECES_OS_HOSTS names it" in question.text  # (it comes back at the next start)
    assert f'action="/hosts/{FLEET[1]}/remove"' in question.text
    assert '<input type="hidden" name="confirmed" value="yes">' in question.text
    unconfirmed = client.post(f"/hosts/{FLEET[1]}/remove")
    assert unconfirmed.status_code == 400 and "must be confirmed first" in unconfirmed.text
    assert host_names(fleet_panel) == list(FLEET)
    removed = client.post(f"/hosts/{FLEET[1]}/remove", data=CONFIRMED)
    assert removed.status_code == 303
    assert f"Removed {FLEET[1]}." in client.get("/hosts").text
    assert host_names(fleet_panel) == [FLEET[0]] and stored_names(fleet_panel) == [FLEET[0]]
    assert client.get(f"/hosts/{FLEET[1]}/").status_code == 404
    assert client.get(f"/hosts/{FLEET[1]}/remove").status_code == 404
    assert logged(fleet_panel, "remove-host") == [("ok", FLEET[1], f"Removed {FLEET[1]}.")]


def test_the_last_host_cannot_be_removed(panel_factory, simulator):
    app = panel_factory(PIECES_OS_HOSTS=(("only", simulator.url),))
    client = app.test_client()
    for answer in (
        client.get("/hosts/only/remove"),
        client.post("/hosts/only/remove", data=CONFIRMED),
    ):
        assert answer.status_code == 409
        assert error_shown(answer.text) == "only is the panel's last host: add another one first."
    assert host_names(app) == ["only"] and stored_names(app) == ["only"]


def test_the_configured_local_host_cannot_be_changed_or_removed_here(panel, client, simulator):
    for answer in (
        client.post("/hosts/local/change", data={"name": "other"}),
        client.get("/hosts/local/remove"),
        client.post("/hosts/local/remove", data=CONFIRMED),
    ):
        assert answer.status_code == 409
        said = error_shown(answer.text)
        assert "set by the environment (PIECES_OS_URL)" in said and "restart the panel" in said
    assert host_names(panel) == ["local"]


def test_the_test_button_says_how_a_host_answers_now_and_changes_nothing(
    fleet_panel, second_simulator
):
    client = fleet_panel.test_client()
    host = fleet_panel.extensions["fleet"].get(FLEET[1])
    in_place = client.post(f"/hosts/{FLEET[1]}/test", headers=HTMX)
    assert in_place.status_code == 200 and in_place.text.lstrip().startswith("<tr")
    assert f"Asked now: Pieces OS 12.4.0 answers at {second_simulator.url}." in in_place.text
    second_simulator.stop_answering()
    plain = client.post(f"/hosts/{FLEET[1]}/test")
    assert plain.status_code == 303 and plain.headers["Location"] == f"/hosts#host-{FLEET[1]}"
    page = client.get("/hosts").text
    assert f"{FLEET[1]}: Pieces OS is not reachable at {second_simulator.url}." in page
    assert fleet_panel.extensions["fleet"].get(FLEET[1]) is host
    assert stored_names(fleet_panel) == list(FLEET)
    assert [entry for entry in logged(fleet_panel, "change-host")] == []


def test_an_unknown_host_is_not_found(client):
    for method, path in HOSTS_ROUTES[2:]:
        answer = client.open(path.replace(FLEET[1], "nobody"), method=method, data=CONFIRMED)
        assert answer.status_code == 404, path


def could_match_the_same_path(rule: str, other: str) -> bool:
    """Whether two URL rules could match one path: segment by segment, each the same text or
    a variable in either (variables never span a slash in these rules)."""
    ours, theirs = rule.strip("/").split("/"), other.strip("/").split("/")
    return len(ours) == len(theirs) and all(
        a == b or a.startswith("<") or b.startswith("<") for a, b in zip(ours, theirs, strict=True)
    )


def test_the_hosts_routes_leave_every_host_pages_route_alone(panel):
    rules = list(panel.url_map.iter_rules())
    ours = [rule for rule in rules if rule.endpoint.startswith("hosts.")]
    host_pages = [rule for rule in rules if rule.endpoint.partition(".")[0] in HOST_PAGES]
    assert len(ours) == 6 and host_pages
    for rule in ours:
        for page in host_pages:
            shared = (rule.methods or set()) & (page.methods or set()) - {"HEAD", "OPTIONS"}
            if shared:
                assert not could_match_the_same_path(rule.rule, page.rule), (rule, page)
