"""Benchmark of the fleet's live relay: downloads running on several hosts at once, each watched
by its share of the open pages.

For each number of pages it starts one download on every host (5 simulators, each a host of the
panel's fleet) and records, for every progress frame, when it reached the pages of that host
(through the panel, each on its host's `/hosts/<name>/live` socket) and a client connected
straight to that host's progress socket (the reference). Arrival minus the direct client's
arrival is what the panel adds. All sockets are read by one epoll loop in a child process
(bench/listeners.py); meanwhile the main process loads the first host's list page every 0.2 s
and reads the panel worker's memory and threads, against a baseline taken before any page
opened, and counts the upstream progress sockets the panel holds on each host (one per download
per host is the target, whatever the number of pages).

Run: .venv/bin/python bench/fleet.py   (about 2 minutes; loopback only; stops by itself)
"""

import argparse
import multiprocessing
import queue
import re
import shlex
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402
    Servers,
    live_limits,
    load_average,
    machine_description,
    p50_p99_ms,
    print_table,
    raise_open_file_limit,
    worker_stats,
)
from listeners import Listeners, open_socket, open_sockets  # noqa: E402
from relay import (  # noqa: E402
    FINISHED_JSON,
    HANDSHAKES_IN_FLIGHT,
    NO_PINGS,
    PROGRESS_JSON,
    PageLoads,
    first_arrivals,
    open_seconds,
    p50_p99,
)

HOSTS = 5
TICK_SECONDS = 0.1
DEFAULT_PAGES = [5, 300]
END_GRACE_SECONDS = 60.0


class HostTargets:
    """One host's direct progress socket, and its pages' socket on the panel."""

    def __init__(self, servers: Servers, index: int, model_id: str):
        name = servers.host_names[index]
        prefix = "" if index == 0 else f"/hosts/{name}"
        simulator = servers.simulator_urls[index].replace("http://", "ws://")
        self.name = name
        self.prefix = prefix
        self.direct_url = f"{simulator}/model/{model_id}/download/progress"
        self.page_url = servers.panel_ws(f"{prefix}/live?page={prefix}/")
        self.progress = rf'id="progress-{model_id}".*?value="([0-9.]+)"'.encode()
        self.finished = (
            f'<tr id="model-{model_id}" class="model-view" data-state="downloaded"'
        ).encode()


def listen_all(targets: list[HostTargets], headers: dict, pages: int, seconds: float, results):
    """In a child process: per host a direct client and its share of ``pages``, read by one epoll
    loop. Puts how many pages connected, then per host the milliseconds each page got each
    percentage after the direct client, and how many pages saw the end."""
    kinds: list[tuple[str, int]] = []
    sockets = []
    for index, host in enumerate(targets):
        share = pages // len(targets) + (1 if index < pages % len(targets) else 0)
        sockets.append(open_socket(host.direct_url, {}))
        kinds.append(("direct", index))
        opened = [
            connection
            for connection in open_sockets(
                host.page_url, headers, share, HANDSHAKES_IN_FLIGHT, open_seconds(share)
            )
            if connection is not None
        ]
        sockets += opened
        kinds += [("page", index)] * len(opened)
    listeners = Listeners(sockets)
    listeners.run(seconds=1.0)
    results.put(
        sum(
            1
            for index, kind in enumerate(kinds)
            if kind[0] == "page" and not listeners.closed[index]
        )
    )
    markers = [
        FINISHED_JSON if kind == "direct" else targets[host].finished for kind, host in kinds
    ]
    listeners.run(seconds=seconds, markers=markers)
    patterns = {("direct", index): PROGRESS_JSON for index in range(len(targets))} | {
        ("page", index): re.compile(host.progress, re.S) for index, host in enumerate(targets)
    }
    arrivals = [
        first_arrivals(chunks, patterns[kind])
        for kind, chunks in zip(kinds, listeners.chunks, strict=True)
    ]
    finished = listeners.finished
    listeners.close()
    direct = {host: arrivals[index] for index, (kind, host) in enumerate(kinds) if kind == "direct"}
    samples: list[float] = []
    seen_end = 0
    frames = 0
    for index, (kind, host) in enumerate(kinds):
        if kind != "page":
            continue
        seen_end += finished[index]
        page_samples = [
            (arrived - direct[host][percentage]) * 1000
            for percentage, arrived in arrivals[index].items()
            if 0 < percentage < 100 and percentage in direct[host]
        ]
        frames += len(page_samples)
        samples += page_samples
    results.put({"samples": samples, "finished": seen_end, "frames": frames})


def measure(
    servers: Servers, targets: list[HostTargets], model_id: str, pages: int, idle: dict
) -> dict:
    headers = {
        "Cookie": servers.cookie,
        "Origin": "http://" + urlsplit(servers.panel_url).netloc,
    }
    results = multiprocessing.Queue()
    listen_seconds = servers.download_seconds + END_GRACE_SECONDS
    listener = multiprocessing.Process(
        target=listen_all, daemon=True, args=(targets, headers, pages, listen_seconds, results)
    )
    listener.start()
    try:
        connected = results.get(timeout=open_seconds(pages) * 2 + 30)
        with PageLoads(servers) as loads:
            for host in targets:
                servers.panel_post(f"{host.prefix}/models/{model_id}/download", timeout=10)
            time.sleep(2.0)
            during = worker_stats(servers.panel_worker_pid())
            upstream = [
                servers.simulator_stats_of(index)["progress_sockets"].get(model_id, 0) - 1
                for index in range(len(targets))
            ]
            outcome = results.get(timeout=listen_seconds + 30)
    except queue.Empty:
        return {"pages": pages, "connected": "the listener process gave no answer"}
    finally:
        listener.join(timeout=10)
        if listener.is_alive():
            listener.kill()
        for index in range(len(targets)):
            servers.reset_simulator_of(index)
    samples = outcome["samples"]
    return {
        "pages": pages,
        "hosts downloading": len(targets),
        "connected": f"{connected}/{pages}",
        "added p50 / p99 ms": p50_p99(samples),
        "max ms": f"{max(samples, default=0.0):.1f}",
        "frames/page": f"{outcome['frames'] / max(1, connected):.0f}",
        "missed end": connected - outcome["finished"],
        "list GET p50 / p99 ms": p50_p99_ms(loads.page_times),
        "GET errors": loads.failures,
        "panel RSS MB": during["rss_mb"],
        "KB/page": (during["rss_mb"] - idle["rss_mb"]) * 1024 / pages,
        "panel threads": during["threads"],
        "upstream sockets per host": " ".join(str(count) for count in upstream),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=DEFAULT_PAGES)
    parser.add_argument("--hosts", type=int, default=HOSTS)
    parser.add_argument("--download-seconds", type=float, default=15.0)
    args = parser.parse_args()
    most = max(args.pages)
    raise_open_file_limit()
    print("command: " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(machine_description())
    print(f"load average before: {load_average()}")
    with Servers(
        download_seconds=args.download_seconds,
        tick_seconds=TICK_SECONDS,
        panel_settings={**NO_PINGS, **live_limits(most)},
        simulator_sockets=most + 2,
        hosts=args.hosts,
    ) as servers:
        model_id = servers.downloadable_model()
        targets = [HostTargets(servers, index, model_id) for index in range(args.hosts)]
        servers.session().get(servers.panel_url + "/", timeout=30).raise_for_status()
        time.sleep(1.0)
        idle = worker_stats(servers.panel_worker_pid())
        rows = [measure(servers, targets, model_id, pages, idle) for pages in args.pages]
    print(f"load average after: {load_average()}")
    print(
        f"\none download per host on {args.hosts} hosts at once, {1 / TICK_SECONDS:.0f} frames/s "
        "each, the pages spread evenly over the hosts; panel under gunicorn with "
        f"webapp/serving/gunicorn_conf.py{servers.gunicorn_overrides}"
    )
    print(
        f"no page open (baseline): panel worker {idle['rss_mb']:.1f} MB, "
        f"{idle['threads']} threads\n"
    )
    print_table(rows)


if __name__ == "__main__":
    main()
