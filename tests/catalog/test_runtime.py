"""The local runtime (Ollama) managed from the panel: admins install, update, cancel and
uninstall it (uninstall asked about first); operators and viewers are refused (403); every
attempt and how it ended is in the activity log. Against the simulator's OllamaApi routes."""

import re

import pytest
import requests

from tests.activity.test_activity import log_of, only
from tests.support.models import HTMX, upstream_models
from webapp.simulator.catalogue import model_id

LOADED = model_id("Llama-3 8B Instruct")


def ollama(simulator) -> dict:
    return requests.get(f"{simulator.url}/ollama/status", timeout=5).json()


def runtime_of(html: str) -> str:
    return " ".join(re.search(r'<span id="runtime-state">(.*?)</span>', html, re.S)[1].split())


@pytest.fixture
def without_ollama(simulator_factory, panel_factory):
    """A panel whose Pieces OS has no Ollama; installs take 3 s."""
    simulator = simulator_factory(ollama="missing", download_seconds=3, tick_seconds=0.05)
    panel = panel_factory(PIECES_OS_URL=simulator.url)
    return simulator, panel


def test_an_admin_installs_it_and_the_log_says_when_it_is_installed(without_ollama):
    simulator, panel = without_ollama
    admin = panel.test_client()
    page = admin.get("/").text
    assert 'action="/runtime/install"' in page and runtime_of(page) == "Ollama: missing"

    answer = admin.post("/runtime/install", data={"next": "/"}, headers=HTMX)
    assert (answer.status_code, answer.headers["HX-Redirect"]) == (204, "/")
    page = admin.get("/").text
    assert "(install asked by admin)" in page
    assert "Installing Ollama: every page shows its progress" in page
    entry = only(log_of(panel, action="install-runtime"))
    assert (entry["user"], entry["outcome"]) == ("admin", "pending")

    simulator.wait_until(lambda: "installation" in ollama(simulator), timeout=15, what="installed")
    assert runtime_of(admin.get("/").text) == "Ollama 0.5.7: ready"
    entry = only(log_of(panel, action="install-runtime"))
    assert (entry["outcome"], entry["detail"]) == ("ok", "Ollama 0.5.7 installed.")


def test_cancelling_an_install_is_logged_and_the_install_ends_cancelled(
    simulator_factory, panel_factory
):
    simulator = simulator_factory(ollama="missing", download_seconds=60)
    panel = panel_factory(PIECES_OS_URL=simulator.url)
    admin = panel.test_client()
    admin.post("/runtime/install", data={"next": "/"})  # before any page: nothing listed yet
    page = admin.get("/").text
    assert 'action="/runtime/cancel"' in page and "Cancel the install" in page
    assert only(log_of(panel, action="install-runtime"))["outcome"] == "pending"
    answer = admin.post("/runtime/cancel", data={"next": "/"})
    assert (answer.status_code, answer.location) == (303, "/")
    assert set(ollama(simulator)) == {"recommendation", "schema"}
    cancel = only(log_of(panel, action="cancel-runtime"))
    assert cancel["outcome"] == "ok" and cancel["detail"].startswith("Cancelled the install")
    install = only(log_of(panel, action="install-runtime"))
    assert install["outcome"] == "cancelled"  # a deliberate stop, not a failure (item 7)
    cancelled = r"The install of Ollama was cancelled by admin at \d+ %\."
    assert re.fullmatch(cancelled, install["detail"])


def test_an_install_that_fails_is_logged_failed(without_ollama):
    simulator, panel = without_ollama
    simulator.control("POST", "ollama/fail-next", {"at_percentage": 30})
    admin = panel.test_client()
    admin.post("/runtime/install", data={"next": "/"})
    simulator.wait_until(
        lambda: "installing" not in ollama(simulator), timeout=15, what="the install to stop"
    )
    admin.get("/")
    install = only(log_of(panel, action="install-runtime"))
    assert install["outcome"] == "failed"
    assert "stopped at" in install["detail"] and "Pieces OS does not say why" in install["detail"]


def test_an_update_goes_to_the_version_pieces_os_names(simulator_factory, panel_factory):
    simulator = simulator_factory(ollama="update-required", download_seconds=1, tick_seconds=0.05)
    panel = panel_factory(PIECES_OS_URL=simulator.url)
    admin = panel.test_client()
    assert "Update Ollama to 0.5.7" in admin.get("/").text
    assert admin.post("/runtime/update", data={"next": "/"}).status_code == 303
    simulator.wait_until(lambda: "updating" not in ollama(simulator), timeout=15, what="updated")
    admin.get("/")
    update = only(log_of(panel, action="update-runtime"))
    assert (update["outcome"], update["detail"]) == ("ok", "Ollama updated to 0.5.7.")


def test_uninstall_is_asked_first_then_logged(client, panel, simulator):
    assert LOADED in {model.id for model in upstream_models(simulator) if model.loaded}
    question = client.get("/runtime/uninstall?next=/").text
    assert "Uninstall Ollama from Pieces OS?" in question
    assert "Every local model leaves memory" in question
    unconfirmed = client.post("/runtime/uninstall", data={"next": "/"})
    assert unconfirmed.status_code == 400 and not log_of(panel, action="uninstall-runtime")
    done = client.post("/runtime/uninstall", data={"next": "/", "confirmed": "yes"})
    assert (done.status_code, done.location) == (303, "/")
    entry = only(log_of(panel, action="uninstall-runtime"))
    assert (entry["outcome"], entry["detail"]) == ("ok", "Uninstalled Ollama 0.5.7.")
    assert set(ollama(simulator)) == {"recommendation", "schema"}
    page = client.get("/").text
    assert "Uninstalled Ollama 0.5.7." in page and runtime_of(page) == "Ollama: missing"
    assert not any(model.loaded for model in upstream_models(simulator))


def test_what_does_not_apply_now_is_refused_and_logged(client, panel, simulator):
    refused = client.post("/runtime/install", data={"next": "/"}, headers=HTMX)
    assert (refused.status_code, refused.headers["HX-Redirect"]) == (409, "/")
    assert "Cannot install Ollama now: Ollama 0.5.7 is ready." in client.get("/").text
    assert only(log_of(panel, action="install-runtime"))["outcome"] == "refused"
    assert simulator.stats()["requests"].get("ollama_install", 0) == 0


def test_a_failure_of_pieces_os_is_logged_with_its_text(without_ollama):
    simulator, panel = without_ollama
    simulator.control(
        "POST", "faults", {"route": "ollama_install", "status": 500, "text": "disk full"}
    )
    admin = panel.test_client()
    answer = admin.post("/runtime/install", data={"next": "/"}, headers=HTMX)
    assert answer.status_code == 409
    entry = only(log_of(panel, action="install-runtime"))
    assert (entry["outcome"], entry["detail"]) == ("failed", "Pieces OS answered 500: disk full")
    page = admin.get("/").text
    assert "Pieces OS answered 500: disk full" in page
    assert "asked by" not in page  # nothing followed


@pytest.mark.parametrize("role", ["operator", "viewer"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/runtime/install"),
        ("POST", "/runtime/update"),
        ("POST", "/runtime/cancel"),
        ("GET", "/runtime/uninstall"),
        ("POST", "/runtime/uninstall"),
    ],
)
def test_only_admins_may(panel, simulator, role, method, path):
    client = panel.test_client(user=role)
    response = client.open(path, method=method, data={"next": "/", "confirmed": "yes"})
    assert response.status_code == 403
    assert "only admins can install, update or uninstall the local runtime" in response.text
    assert log_of(panel, action="access", user=role)
    sent = simulator.stats()["requests"]
    assert [sent[key] for key in ("ollama_install", "ollama_update", "ollama_cancel")] == [0] * 3
    assert sent["ollama_uninstall"] == 0


def test_operators_see_no_runtime_buttons(operator_client):
    page = operator_client.get("/").text
    assert "/runtime/" not in page and "Uninstall Ollama" not in page
