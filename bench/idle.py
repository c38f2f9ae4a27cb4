"""What one idle open page costs Pieces OS: upstream requests per minute, by route.

One list page keeps its live socket open and nobody acts. Measured twice against the simulator
(under gunicorn, as in production): with Pieces OS's ``/models/stream/identifiers`` socket
refused, so the panel falls back to polling ``GET /models`` every ``LIVE_REFRESH_SECONDS``, as
it always did before it listened to that stream; and with the stream, when it polls only every
``LIVE_FALLBACK_REFRESH_SECONDS``. The simulator counts every request per route.

    .venv/bin/python bench/idle.py            # 2 x 60 s; --seconds to change
"""

import argparse
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Servers, machine_description, print_table  # noqa: E402
from bench.listeners import open_socket  # noqa: E402

#: Let the page's first burst (the list, version, runtime, device) pass before counting.
SETTLE_SECONDS = 3.0
ROUTES = {
    "list": "GET /models",
    "get": "GET /model/{id}",
    "version": "GET version",
    "ollama_status": "GET /ollama/status",
    "device": "GET device",
}
SOCKETS = ("identifiers", "ollama_stream")


def measure(seconds: float, push: bool) -> dict:
    # No pings during the run: the listener does not answer them.
    with Servers(panel_settings={"LIVE_PING_SECONDS": "600"}) as servers:
        if not push:
            requests.post(
                f"{servers.simulator_url}/__sim/faults",
                timeout=10,
                json={"route": "identifiers", "status": 503},
            ).raise_for_status()
        page = open_socket(
            servers.panel_ws("/live?page=%2F"),
            {"Cookie": servers.cookie, "Origin": servers.panel_url},
        )
        time.sleep(SETTLE_SECONDS)
        before = servers.simulator_stats()["requests"]
        time.sleep(seconds)
        after = servers.simulator_stats()["requests"]
        page.close()
    per_minute = {key: (after[key] - before[key]) * 60 / seconds for key in after}
    row = {"mode": "push stream + fallback poll" if push else "poll only (before)"}
    row.update({label: round(per_minute[key], 1) for key, label in ROUTES.items()})
    row["other routes"] = round(
        sum(count for key, count in per_minute.items() if key not in ROUTES and key not in SOCKETS),
        1,
    )
    row["total per minute"] = round(
        sum(row[label] for label in ROUTES.values()) + row["other routes"], 1
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="at most 290: pings start then")
    options = parser.parse_args()
    print(machine_description())
    print(f"one idle list page, {options.seconds:g} s each, default settings\n")
    print_table([measure(options.seconds, push=False), measure(options.seconds, push=True)])


if __name__ == "__main__":
    main()
