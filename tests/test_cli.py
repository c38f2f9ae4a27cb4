"""The `pieces-admin` command as a person runs it: real processes on loopback ports."""

import os
import re
import socket

import pytest
import requests
from pieces_os_client.api.models_api import ModelsApi
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration

from tests.support.accounts import login_over_http
from tests.support.commands import Command, free_port
from tests.support.servers import wait_until
from webapp.cli import ready_message
from webapp.serving.addresses import urls_to_open
from webapp.simulator.wire import GIGABYTE


@pytest.fixture
def command():
    started: list[Command] = []

    def start(*args, **env) -> Command:
        started.append(Command(*args, **env))
        return started[-1]

    yield start
    for running in started:
        running.kill()


def process_group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_simulator_command_serves_a_catalogue_the_official_sdk_reads(command):
    port = free_port()
    simulator = command("simulator", "--port", str(port), "--download-seconds", "2")
    url = f"http://127.0.0.1:{port}"
    simulator.wait_for("Listening at")
    with ApiClient(Configuration(host=url)) as api:
        models = ModelsApi(api).models_snapshot()
    assert len(models.iterable) >= 20
    assert simulator.interrupt() == 0


FRAMED = re.compile(r"\n(=+)\nThe panel is ready.*?\n\n(No accounts existed.*?)\n\1\n", re.S)


def first_admin_password(output: str) -> str:
    """The password `serve` prints when it creates the first account."""
    return re.search(r"password: (\S+)", output).group(1)


def test_run_without_pieces_os_starts_the_simulator_and_the_panel(command, tmp_path):
    port = free_port()
    run = command("run", PORT=str(port), PIECES_OS_URL="", DATABASE=str(tmp_path / "panel.sqlite"))
    # Last, after the servers' lines, and framed: the address and the first admin's password.
    framed = wait_until(lambda: FRAMED.search("".join(run.lines)), "the framed message", 30)
    output = framed.string
    assert "Started the built-in simulator at http://127.0.0.1:" in output
    assert f"The panel is ready: open http://127.0.0.1:{port}\nCtrl-C stops it." in output
    assert "password: " in framed[2] and output.rindex("Booting worker") < framed.start()

    browser = login_over_http(f"http://127.0.0.1:{port}", "admin", first_admin_password(output))
    page = browser.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert page.status_code == 200 and "built-in Pieces OS simulator" in page.text
    assert 'data-state="loaded"' in page.text
    health = browser.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
    assert health["pieces_os"]["reachable"] and health["pieces_os"]["simulated"]

    assert run.interrupt() == 0
    assert not process_group_alive(run.process.pid), "a server outlived `pieces-admin run`"


def test_run_uses_pieces_os_url_when_set(command, simulator, tmp_path):
    port = free_port()
    run = command(
        "run", PORT=str(port), PIECES_OS_URL=simulator.url, DATABASE=str(tmp_path / "panel.sqlite")
    )
    output = run.wait_for("The panel is ready")
    assert f"Using Pieces OS at {simulator.url}" in output and "simulator at" not in output
    browser = login_over_http(f"http://127.0.0.1:{port}", "admin", first_admin_password(output))
    page = browser.get(f"http://127.0.0.1:{port}/", timeout=5).text
    assert "built-in Pieces OS simulator" not in page
    assert simulator.stats()["requests"]["list"] >= 1
    # Stopped as a service manager stops it (SIGTERM to the command alone): the panel too.
    run.process.terminate()
    assert run.process.wait(timeout=20) == 0
    wait_until(lambda: not process_group_alive(run.process.pid), "the panel to stop", 20)


SIMULATED_HOST = re.compile(
    r"Started the simulated host (sim-\d+) at (http://127\.0\.0\.1:\d+): Pieces OS ([\d.]+), "
    r"(\d+) GB of memory\."
)


def hosts_listed(browser: requests.Session, panel: str) -> dict[str, str]:
    """Host name -> what the Hosts page says of how it answers."""
    page = browser.get(f"{panel}/hosts", timeout=10).text
    cells = re.findall(
        r'<tr id="host-([a-z0-9-]+)">.*?<td data-label="Answers" class="host-answer">(.*?)</td>',
        page,
        re.S,
    )
    return {name: " ".join(re.sub("<[^>]+>", "", answer).split()) for name, answer in cells}


def test_run_with_simulated_hosts_starts_a_fleet_that_follows_its_ports(command, tmp_path):
    port, database = free_port(), str(tmp_path / "panel.sqlite")
    panel = f"http://127.0.0.1:{port}"
    settings = {"PORT": str(port), "PIECES_OS_URL": "", "PIECES_OS_HOSTS": "", "DATABASE": database}
    run = command("run", SIMULATED_HOSTS="3", **settings)
    output = run.wait_for("The panel is ready")
    started = SIMULATED_HOST.findall(output)
    assert [(name, version, memory) for name, _url, version, memory in started] == [
        ("sim-1", "12.3.11", "16"),
        ("sim-2", "12.2.0", "8"),
        ("sim-3", "12.4.1", "32"),
    ]
    assert "Using Pieces OS" not in output and "built-in simulator" not in output
    for _name, url, version, memory in started:
        assert requests.get(f"{url}/.well-known/version", timeout=5).text == version
        device = requests.get(f"{url}/os/device/information", timeout=5).json()
        assert device["hardware"]["ram"]["memory"] == int(memory) * GIGABYTE
    browser = login_over_http(panel, "admin", first_admin_password(output))
    assert hosts_listed(browser, panel) == {
        "sim-1": "Pieces OS 12.3.11",
        "sim-2": "Pieces OS 12.2.0",
        "sim-3": "Pieces OS 12.4.1",
    }
    assert 'data-state="loaded"' in browser.get(f"{panel}/hosts/sim-2/", timeout=10).text
    assert run.interrupt() == 0

    # Started again, the simulators listen on other ports: the hosts kept follow them; one
    # no longer started stays on the Hosts page, not answering.
    again = command("run", SIMULATED_HOSTS="2", **settings)
    restarted = SIMULATED_HOST.findall(again.wait_for("The panel is ready"))
    assert {url for _name, url, *_ in restarted}.isdisjoint(url for _n, url, *_ in started)
    listed = hosts_listed(login_over_http(panel, "admin", first_admin_password(output)), panel)
    assert listed["sim-1"] == "Pieces OS 12.3.11" and listed["sim-2"] == "Pieces OS 12.2.0"
    assert listed["sim-3"].startswith("No: Pieces OS is not reachable")
    assert again.interrupt() == 0
    assert not process_group_alive(again.process.pid), "a server outlived `pieces-admin run`"


@pytest.mark.parametrize("setting", ["PIECES_OS_URL", "PIECES_OS_HOSTS"])
def test_simulated_hosts_with_hosts_of_ones_own_stop_saying_why(command, setting):
    value = "http://127.0.0.1:39300" if setting == "PIECES_OS_URL" else "a=http://127.0.0.1:1"
    refused = command("run", PORT=str(free_port()), SIMULATED_HOSTS="2", **{setting: value})
    assert refused.process.wait(timeout=30) == 2
    output = "".join(refused.lines)
    assert "SIMULATED_HOSTS starts Pieces OS hosts of its own" in output
    assert "Started the simulated host" not in output and "Traceback" not in output


@pytest.mark.parametrize(
    "host, trusted, expected",
    [
        ("127.0.0.1", None, ["http://127.0.0.1:8000"]),
        (
            "0.0.0.0",
            ["panel.lan", ".example.org", "192.168.1.20"],
            ["http://panel.lan:8000", "http://192.168.1.20:8000"],
        ),
        ("::1", None, ["http://[::1]:8000"]),
    ],
)
def test_the_ready_message_names_addresses_people_can_open(host, trusted, expected):
    assert urls_to_open(host, 8000, trusted) == expected


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_on_every_interface_the_machines_own_names_are_given(host):
    urls = urls_to_open(host, 8000, None)
    assert urls[0] == f"http://{socket.gethostname()}:8000"
    assert not any(re.search(r"//(0\.0\.0\.0|\[::\]|127\.)", url) for url in urls), urls
    message = ready_message(host, 8000, None, None)
    assert "(on this machine also http://127.0.0.1:8000)" in message and "0.0.0.0" not in message


def test_bad_setting_stops_with_a_clear_message(command):
    run = command("run", PORT="eighty")
    run.process.wait(timeout=20)
    assert run.process.returncode == 2
    assert "PORT='eighty'" in "".join(run.lines)


@pytest.mark.parametrize("command_name", ["run", "serve"])
def test_a_proxy_user_header_without_its_secret_stops_before_any_server(command, command_name):
    started = command(command_name, TRUSTED_PROXY_USER_HEADER="X-Forwarded-User")
    started.process.wait(timeout=20)
    output = "".join(started.lines)
    assert started.process.returncode == 2
    assert "TRUSTED_PROXY_SECRET is not" in output and "Traceback" not in output


def test_serve_runs_gunicorn_with_the_repo_config_where_host_and_port_say(
    command, simulator, tmp_path
):
    port = free_port()
    serve = command(
        "serve",
        HOST="127.0.0.1",
        PORT=str(port),
        PIECES_OS_URL=simulator.url,
        DATABASE=str(tmp_path / "panel.sqlite"),
    )
    output = serve.wait_for("Booting worker")
    assert f"Listening at: http://127.0.0.1:{port}" in output
    # the repo's gunicorn_conf, as `make run` uses it
    assert "Using worker: gevent" in output
    assert first_admin_password(output)
    health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
    assert health == {"panel": "ok", "pieces_os": "ok"}  # no more for anonymous callers
    assert serve.interrupt() == 0
    # One process: the live state lives in its memory.
    assert "".join(serve.lines).count("Booting worker") == 1


@pytest.mark.parametrize("subcommand", ["serve", "run"])
def test_every_address_without_trusted_hosts_is_refused_saying_why(command, subcommand):
    refused = command(subcommand, HOST="0.0.0.0", PORT=str(free_port()))
    assert refused.process.wait(timeout=30) == 2
    assert "HOST=0.0.0.0 opens the panel to every network, so TRUSTED_HOSTS must" in "".join(
        refused.lines
    )
