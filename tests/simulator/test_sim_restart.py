"""Pieces OS may listen on another port after each start and writes that port to a port file:
the simulator can do both, so the panel's rediscovery can be tested."""

import subprocess
import sys

import pytest
import requests
import websocket

from tests.support.servers import REPO_ROOT, wait_until
from webapp.simulator.catalogue import model_id

DOWNLOADED = model_id("Phi-3-mini-4k-instruct")


def port_of(url: str) -> int:
    return int(url.rpartition(":")[2])


def test_the_port_file_names_the_port_on_start(simulator_factory, tmp_path):
    port_file = tmp_path / "com.pieces.os" / "production" / "Config" / ".port.txt"
    simulator = simulator_factory(port_file=port_file)
    assert port_file.read_text() == str(port_of(simulator.url))


def test_a_restart_serves_the_same_state_on_another_port_and_rewrites_the_file(
    simulator_factory, tmp_path
):
    port_file = tmp_path / ".port.txt"
    simulator = simulator_factory(port_file=port_file)
    old_url = simulator.url
    assert requests.post(f"{old_url}/model/{DOWNLOADED}/load", timeout=5).status_code == 200

    simulator.restart_on_another_port()

    assert simulator.url != old_url
    assert port_file.read_text() == str(port_of(simulator.url))
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{old_url}/.well-known/health", timeout=5)
    assert requests.get(f"{simulator.url}/model/{DOWNLOADED}", timeout=5).json()["loaded"]


def test_a_restart_cuts_open_sockets(simulator):
    progress = simulator.open_progress(DOWNLOADED)
    simulator.restart_on_another_port()
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        progress.next_text()


def test_without_a_port_file_nothing_is_written(simulator_factory, tmp_path):
    simulator_factory()
    simulator_factory().restart_on_another_port()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.integration  # (a `python -m webapp` process)
def test_the_cli_writes_the_port_it_got_and_serves_its_options(tmp_path):
    port_file = tmp_path / ".port.txt"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "webapp",
            "simulator",
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--version-string",
            "12.9.1",
            "--memory-gb",
            "32",
            "--gpu",
            "NVIDIA GeForce RTX 4070:12",
            "--gpu",
            "Intel UHD Graphics 770:2",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = int(
            wait_until(
                lambda: port_file.exists() and port_file.read_text(), "the port file", timeout=30
            )
        )
        url = f"http://127.0.0.1:{port}"
        assert requests.get(f"{url}/.well-known/version", timeout=5).text == "12.9.1"
        hardware = requests.get(f"{url}/os/device/information", timeout=5).json()["hardware"]
        assert hardware["ram"]["memory"] == 32_000_000_000
        assert [
            (gpu["name"], gpu["memory"], gpu["capabilities"]["llm"]) for gpu in hardware["gpus"]
        ] == [
            ("NVIDIA GeForce RTX 4070", 12_000_000_000, True),
            ("Intel UHD Graphics 770", 2_000_000_000, False),
        ]
        # gunicorn passes the raw request target too: an id with a slash still routes.
        requests.post(f"{url}/__sim/models", json={"id": "team/model", "name": "odd"}, timeout=5)
        assert requests.get(f"{url}/model/team%2Fmodel", timeout=5).json()["name"] == "odd"
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.integration  # (a `python -m webapp` process)
@pytest.mark.parametrize("spec", ["RTX", "RTX:", ":12", "RTX:-1", "RTX:lots"])
def test_the_cli_refuses_a_bad_gpu(spec):
    finished = subprocess.run(
        [sys.executable, "-m", "webapp", "simulator", "--gpu", spec],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 2
    assert "NAME:GB" in finished.stderr
