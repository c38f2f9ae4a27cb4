"""The ``pieces-admin`` command: serve the panel, manage its accounts, or run the Pieces OS
simulator."""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from contextlib import closing
from typing import TYPE_CHECKING, Any

import requests

from .accounts import cli as users_cli
from .accounts import tokens_cli
from .config import ConfigError, settings_from_env
from .fleet.stored import readdress
from .pieces import discovery
from .security.hosts import trusted_hosts
from .serving.addresses import local_url, urls_to_open
from .simulator.behaviour import Behaviour
from .simulator.device import parse_gpu

if TYPE_CHECKING:
    import sqlite3

    from flask import Flask
    from gunicorn.workers.base import Worker

STARTUP_TIMEOUT_SECONDS = 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pieces-admin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "run", help="find Pieces OS (or start the simulator) and serve the panel (`make run`)"
    )
    commands.add_parser("serve", help="serve the panel with gunicorn and the repo's config")

    simulator = commands.add_parser("simulator", help="serve the Pieces OS Model API simulator")
    simulator.add_argument("--host", default="127.0.0.1")
    simulator.add_argument("--port", type=int, default=39300)
    simulator.add_argument(
        "--download-seconds",
        type=float,
        default=20.0,
        help="how long a simulated download takes (default: 20)",
    )
    simulator.add_argument(
        "--memory-gb",
        type=float,
        default=16.0,
        help="the machine's RAM, the budget for loaded models (default: 16)",
    )
    simulator.add_argument(
        "--gpu",
        action="append",
        default=[],
        type=_gpu,
        metavar="NAME:GB",
        help="a GPU the device information reports (repeatable)",
    )
    simulator.add_argument(
        "--version-string",
        default=Behaviour.version,
        help=f"the Pieces OS version it reports (default: {Behaviour.version})",
    )
    simulator.add_argument(
        "--port-file",
        metavar="PATH",
        help="write the port listened on to this file, as Pieces OS writes "
        ".port.txt (use with --port 0 for a port that changes)",
    )
    users_cli.add_commands(commands)
    tokens_cli.add_commands(commands)

    args = parser.parse_args(argv)
    try:
        if args.command in ("run", "serve"):
            trusted_hosts(settings_from_env())  # refuses 0.0.0.0 without TRUSTED_HOSTS, at once
        if args.command == "run":
            return run()
        if args.command == "serve":
            return serve()
        if args.command == "users":
            return users_cli.run(args, fleet_host_names)
        if args.command == "tokens":
            return tokens_cli.run(args)
        return serve_simulator(args)
    except ConfigError as error:
        print(f"pieces-admin: {error}", file=sys.stderr)
        return 2


def serve() -> int:
    """Serve the panel in this process with gunicorn."""
    from . import create_app
    from .serving import gunicorn_conf
    from .serving.server import GunicornServer, options_from_module

    # Here, before gunicorn starts its workers, so that the password is printed only once.
    users_cli.announce_first_admin()
    GunicornServer(create_app, options_from_module(gunicorn_conf)).run()
    return 0


def fleet_host_names(db: "sqlite3.Connection") -> list[str]:
    """The names of the hosts the panel manages, as it would start with them now."""
    from .fleet.stored import fleet_hosts  # (the fleet brings the live core: only when asked)

    return list(fleet_hosts(db, settings_from_env()["PIECES_OS_HOSTS"]))


def _gpu(spec: str) -> tuple[str, float]:
    try:
        return parse_gpu(spec)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def serve_simulator(args: argparse.Namespace) -> int:
    """Serve the simulator with gunicorn: one process (its state is in memory), many threads."""
    from .serving.server import GunicornServer
    from .simulator import announce_port, create_simulator_app

    def factory() -> "Flask":
        return create_simulator_app(
            download_seconds=args.download_seconds,
            memory_gb=args.memory_gb,
            gpus=args.gpu,
            port_file=args.port_file,
            version=args.version_string,
        )

    def post_worker_init(worker: "Worker") -> None:
        """The app is built and the socket bound: the port file can name the real port."""
        announce_port(worker.wsgi, worker.sockets[0].getsockname()[1])

    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": 128,
        "control_socket_disable": True,
        "graceful_timeout": 2,
        "post_worker_init": post_worker_init,
    }
    GunicornServer(factory, options).run()
    return 0


def run() -> int:
    """What `make run` does: choose the upstream, then serve the panel until interrupted."""
    settings = settings_from_env()
    env = dict(os.environ)
    children: list[subprocess.Popen] = []
    # Stopped by a service manager or `kill` (SIGTERM) as by Ctrl-C: the servers stop too.
    signal.signal(signal.SIGTERM, stop_by_interrupt)
    try:
        configured, simulated = settings["PIECES_OS_URL"], settings["SIMULATED_HOSTS"]
        found = None
        if not (configured or simulated):
            found = discovery.discover(discovery.candidate_urls(settings["PIECES_OS_PORT_FILE"]))
        if simulated:
            # Named on the pages (sim-1, ...): a real host added on the Hosts page is no
            # simulator, so the pages' "built-in simulator" notice (PIECES_OS_SIMULATED) is off.
            env["PIECES_OS_HOSTS"] = start_simulated_fleet(simulated, settings, children)
        elif configured:
            print(f"Using Pieces OS at {configured}", flush=True)
        elif found:
            # The panel discovers it again itself, and again whenever it moves to a new port.
            print(f"Using Pieces OS at {found} (found on this machine)", flush=True)
        else:
            upstream, simulator = start_simulator()
            children.append(simulator)
            env["PIECES_OS_SIMULATED"] = "1"
            env["PIECES_OS_URL"] = upstream
            print(
                "No Pieces OS answered on 127.0.0.1 (its port file, ports 39300-39333, "
                f"1000, 5323).\nStarted the built-in simulator at {upstream}; set "
                "PIECES_OS_URL to use a real Pieces OS.",
                flush=True,
            )

        # Created here rather than by the server, so that its password is said last.
        first_admin = users_cli.first_admin_notice()
        panel = subprocess.Popen([sys.executable, "-m", "webapp", "serve"], env=env)
        children.append(panel)
        host, port = settings["HOST"], settings["PORT"]
        if wait_until_up(f"{local_url(host, port)}/static/app.css", panel):
            print(ready_message(host, port, settings["TRUSTED_HOSTS"], first_admin), flush=True)
        return panel.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(children)


def ready_message(
    host: str, port: int, trusted_hosts: Iterable[str] | None, first_admin: str | None
) -> str:
    """Where to open the panel, and the first admin's password if there is one: framed, after
    the servers' own lines, so that nobody misses them."""
    urls = urls_to_open(host, port, trusted_hosts)
    lines = [f"The panel is ready: open {' or '.join(urls)}"]
    if local_url(host, port) not in urls:
        lines.append(f"(on this machine also {local_url(host, port)})")
    lines.append("Ctrl-C stops it.")
    if first_admin:
        lines += ["", *first_admin.splitlines()]
    frame = "=" * max(len(line) for line in lines)
    return "\n".join(["", frame, *lines, frame, ""])


#: The simulated hosts of ``SIMULATED_HOSTS``, in order: each a machine of its own memory (GB)
#: and Pieces OS version.
SIMULATED_FLEET = (
    (16, "12.3.11"),
    (8, "12.2.0"),
    (32, "12.4.1"),
    (24, "12.1.4"),
    (12, "12.3.2"),
    (64, "12.4.0"),
    (4, "12.0.7"),
    (48, "12.2.5"),
    (20, "12.3.8"),
    (40, "12.1.0"),
)


def start_simulated_fleet(
    count: int, settings: dict[str, Any], children: list[subprocess.Popen]
) -> str:
    """Start ``count`` simulators, named ``sim-1``, ``sim-2``…, each with the memory and
    version of its place in ``SIMULATED_FLEET``; their ``PIECES_OS_HOSTS``. They start on new
    ports each time: the hosts the database kept of an earlier run follow them."""
    if settings["PIECES_OS_URL"] or settings["PIECES_OS_HOSTS"]:
        raise ConfigError(
            "SIMULATED_HOSTS starts Pieces OS hosts of its own: unset PIECES_OS_URL and "
            "PIECES_OS_HOSTS, or SIMULATED_HOSTS"
        )
    hosts = []
    for number, (memory_gb, version) in enumerate(SIMULATED_FLEET[:count], start=1):
        url, process = start_simulator("--memory-gb", str(memory_gb), "--version-string", version)
        children.append(process)
        hosts.append((f"sim-{number}", url))
        print(
            f"Started the simulated host sim-{number} at {url}: Pieces OS {version}, "
            f"{memory_gb} GB of memory.",
            flush=True,
        )
    with closing(users_cli.open_database()) as db:
        readdress(db, hosts, actor=users_cli.command_line_actor())
    return ",".join(f"{name}={url}" for name, url in hosts)


def start_simulator(*options: str) -> tuple[str, subprocess.Popen]:
    """Serve the simulator (with ``options`` of `pieces-admin simulator`) on a free port."""
    port = free_loopback_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "simulator", "--host", "127.0.0.1", "--port", str(port)]
        + list(options)
    )
    url = f"http://127.0.0.1:{port}"
    if not wait_until_up(f"{url}/.well-known/health", process):
        stop([process])
        raise SystemExit("The built-in simulator did not start; see the messages above.")
    return url, process


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen) -> bool:
    """Poll ``url`` until it answers 200; False if the process died or time ran out."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def stop_by_interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def stop(processes: list[subprocess.Popen]) -> None:
    """Ask each child to stop (SIGTERM), then kill what is still running after a grace period."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
