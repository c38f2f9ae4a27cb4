"""Benchmark of the live relay: many pages watching one download, against nginx, on this machine.

For 1, 10, 100, 300, 1000 and 2000 pages it starts one download and records, for every progress
frame, when it reached three kinds of client watching that same download at the same moment:

- a client connected straight to the simulator's progress socket (the reference);
- N viewers through nginx, which proxies each to the simulator: one upstream socket per viewer,
  nginx copying bytes (the anchor: what a relay that does nothing else adds on this machine);
- N pages of the panel on its `/live` socket, fed from its one upstream socket.

Arrival minus the direct client's arrival is the latency each relay adds; the panel's figures
are also given as ratios to nginx's. All the sockets are read by one epoll loop in a child
process (bench/listeners.py), so that thousands of clients cost the machine little; the main
process meanwhile loads the list page every 0.2 s and reads the panel worker's memory and
threads (and nginx's), against a baseline taken before any page opened.

Set-up: `make bench-setup` (installs nginx).
Run: .venv/bin/python bench/relay.py   (about 7 minutes; loopback only; stops by itself)
"""

import argparse
import multiprocessing
import queue
import re
import shlex
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402
    Servers,
    live_limits,
    load_average,
    machine_description,
    p50_p99_ms,
    percentile,
    print_table,
    raise_open_file_limit,
    ratio,
    worker_stats,
)
from listeners import Listeners, open_socket, open_sockets, text_messages  # noqa: E402
from proxy import NginxProxy, require_nginx  # noqa: E402

TICK_SECONDS = 0.1  # 10 frames a second, as in the design's prototype measurements
# The listeners answer no ping (bench/listeners.py): no ping may fall within a run.
NO_PINGS = {"LIVE_PING_SECONDS": "600"}
DEFAULT_PAGES = [1, 10, 100, 300, 1000, 2000]
HANDSHAKES_IN_FLIGHT = 16
# Opening a round's sockets may take this long, whatever happens: a panel out of connections
# stops answering handshakes, and the row then says how many pages connected.
OPEN_SECONDS_FIXED = 20.0
OPEN_SECONDS_PER_SOCKET = 0.02
# After the download ends, how long the listeners wait for the last sockets to see it end.
END_GRACE_SECONDS = 60.0
PROGRESS_JSON = re.compile(rb'"percentage":\s*([0-9.]+)')  # the simulator's frames, as is
FINISHED_JSON = b'"COMPLETED"'
NO_END = "no end"
# Below this, what nginx adds is within the listener's own timing error: no ratio is given.
NGINX_NOISE_MS = 0.05


def open_seconds(pages: int) -> float:
    """The time allowed to open one kind of client (nginx viewers, or panel pages)."""
    return OPEN_SECONDS_FIXED + OPEN_SECONDS_PER_SOCKET * pages


class Targets:
    """What the listener process connects to, and what it looks for in each kind of client."""

    def __init__(self, servers: Servers, proxy: NginxProxy, model_id: str):
        progress_path = f"/model/{model_id}/download/progress"
        self.direct_url = servers.simulator_ws(progress_path)
        self.nginx_url = proxy.ws_url(progress_path)
        self.panel_url = servers.panel_ws("/live?page=/")
        self.panel_headers = {
            "Cookie": servers.cookie,
            "Origin": "http://" + urlsplit(servers.panel_url).netloc,
        }
        self.panel_progress = re.compile(
            rb'id="progress-' + model_id.encode() + rb'".*?value="([0-9.]+)"', re.S
        )
        self.panel_finished = (
            f'<tr id="model-{model_id}" class="model-view" data-state="downloaded"'
        ).encode()


def listen_all(targets: Targets, pages: int, viewers: int, listen_seconds: float, results) -> None:
    """In a child process: the direct client, ``viewers`` nginx viewers and ``pages`` panel
    pages, read by one epoll loop.

    Puts on ``results`` first how many of each connected, then, once every socket saw the
    download end (or ``listen_seconds`` passed), the latencies each kind added to the direct
    client (see ``added_latencies``).
    """
    direct = open_socket(targets.direct_url, {})
    nginx = opened(
        open_sockets(targets.nginx_url, {}, viewers, HANDSHAKES_IN_FLIGHT, open_seconds(viewers))
    )
    panel = opened(
        open_sockets(
            targets.panel_url,
            targets.panel_headers,
            pages,
            HANDSHAKES_IN_FLIGHT,
            open_seconds(pages),
        )
    )
    kinds = ["direct"] + ["nginx"] * len(nginx) + ["panel"] * len(panel)
    listeners = Listeners([direct, *nginx, *panel])
    listeners.run(seconds=1.0)  # every page reads its first burst; a refused page is closed
    results.put(
        {
            kind: sum(
                1
                for index, of_kind in enumerate(kinds)
                if of_kind == kind and not listeners.closed[index]
            )
            for kind in ("nginx", "panel")
        }
    )
    markers = [targets.panel_finished if kind == "panel" else FINISHED_JSON for kind in kinds]
    listeners.run(seconds=listen_seconds, markers=markers)
    patterns = {"direct": PROGRESS_JSON, "nginx": PROGRESS_JSON, "panel": targets.panel_progress}
    arrivals = [
        first_arrivals(chunks, patterns[kind])
        for kind, chunks in zip(kinds, listeners.chunks, strict=True)
    ]
    listeners.close()
    results.put(added_latencies(kinds, arrivals, listeners.finished))


def opened(sockets: list) -> list:
    return [connection for connection in sockets if connection is not None]


def first_arrivals(chunks: list[tuple[float, bytes]], pattern: re.Pattern) -> dict[float, float]:
    """Percentage -> when it first arrived on one socket (perf_counter, comparable between
    processes)."""
    arrivals: dict[float, float] = {}
    for arrived, message in text_messages(chunks):
        for value in pattern.findall(message):
            arrivals.setdefault(float(value), arrived)
    return arrivals


def added_latencies(kinds: list[str], arrivals: list[dict], finished: list[bool]) -> dict:
    """Per kind of client, the milliseconds each percentage took after the direct client got it
    (``samples``, from every socket, also one that did not see the end in time), how many of its
    sockets there were and how many saw the download end (``finished``)."""
    direct = arrivals[0]
    outcome = {"direct frames": len(direct), "direct finished": finished[0]}
    for kind in ("nginx", "panel"):
        of_kind = [index for index, of in enumerate(kinds) if of == kind]
        outcome[kind] = {
            "sockets": len(of_kind),
            "finished": sum(1 for index in of_kind if finished[index]),
            "samples": [
                (arrived - direct[percentage]) * 1000
                for index in of_kind
                for percentage, arrived in arrivals[index].items()
                if 0 < percentage < 100 and percentage in direct
            ],
        }
    return outcome


class PageLoads:
    """The list page, and beside it the simulator's own GET /models it is built from, loaded
    every 0.2 s in a thread while a round runs; a load that fails or times out is counted."""

    def __init__(self, servers: Servers):
        self.servers = servers
        self.page_times: list[float] = []
        self.upstream_times: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "PageLoads":
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        session, upstream = self.servers.session(), requests.Session()
        while not self._stop.is_set():
            for url, times, client in (
                (self.servers.panel_url + "/", self.page_times, session),
                (self.servers.simulator_url + "/models", self.upstream_times, upstream),
            ):
                started = time.perf_counter()
                try:
                    client.get(url, timeout=10).raise_for_status()
                    times.append(time.perf_counter() - started)
                except requests.RequestException:
                    self.failures += 1
            self._stop.wait(0.2)


def start_download(servers: Servers, model_id: str) -> str:
    """Through the panel, as an operator would; a panel that does not answer (out of connections)
    must not stop the round, so the simulator is then asked directly. Returns who started it."""
    try:
        servers.panel_post(f"/models/{model_id}/download", timeout=10)
        return "panel"
    except requests.RequestException:
        requests.post(
            f"{servers.simulator_url}/model/{model_id}/download", timeout=10
        ).raise_for_status()
        return "simulator"


def baseline(servers: Servers, proxy: NginxProxy) -> dict:
    """The panel worker and the nginx worker with no page open, after one page load."""
    servers.session().get(servers.panel_url + "/", timeout=30).raise_for_status()
    time.sleep(1.0)
    return {"panel": worker_stats(servers.panel_worker_pid()), "nginx": proxy.worker_stats()}


def measure(
    servers: Servers,
    proxy: NginxProxy,
    targets: Targets,
    model_id: str,
    pages: int,
    viewers: int,
    idle: dict,
) -> dict:
    """One row: ``pages`` panel pages and ``viewers`` nginx viewers watching one download."""
    try:
        servers.session().get(servers.panel_url + "/", timeout=30)  # the panel sees the reset
    except requests.RequestException:
        pass  # still busy with the round before: the row will show it
    results = multiprocessing.Queue()
    listen_seconds = servers.download_seconds + END_GRACE_SECONDS
    listener = multiprocessing.Process(
        target=listen_all, daemon=True, args=(targets, pages, viewers, listen_seconds, results)
    )
    listener.start()
    try:
        connected = results.get(timeout=open_seconds(pages) + open_seconds(viewers) + 30)
        with PageLoads(servers) as loads:
            started_by = start_download(servers, model_id)
            time.sleep(2.0)
            during = {
                "panel": worker_stats(servers.panel_worker_pid()),
                "nginx": proxy.worker_stats(),
            }
            sockets = servers.simulator_stats()["progress_sockets"].get(model_id, 0)
            outcome = results.get(timeout=listen_seconds + 30)
    except queue.Empty:
        return {"pages": pages, "connected panel, nginx": "the listener process gave no answer"}
    finally:
        listener.join(timeout=10)
        if listener.is_alive():
            listener.kill()
        servers.reset_simulator()  # the model is not downloaded again, for the next round
    return row(
        pages,
        viewers,
        connected,
        outcome,
        loads,
        idle,
        during,
        upstream_sockets=sockets - 1 - connected["nginx"],
        started_by=started_by,
    )


def row(
    pages: int,
    viewers: int,
    connected: dict,
    outcome: dict,
    loads: PageLoads,
    idle: dict,
    during: dict,
    upstream_sockets: int,
    started_by: str,
) -> dict:
    nginx, panel = outcome["nginx"], outcome["panel"]
    panel_during, panel_idle = during["panel"], idle["panel"]
    return {
        "pages": pages,
        "connected panel, nginx": f"{connected['panel']}/{pages}, {connected['nginx']}/{viewers}",
        "direct frames": outcome["direct frames"]
        if outcome["direct finished"]
        else f"{outcome['direct frames']}, {NO_END}",
        "nginx added p50 / p99 ms": p50_p99(nginx["samples"]),
        "panel added p50 / p99 ms": p50_p99(panel["samples"]),
        "panel / nginx p50 / p99": " / ".join(
            ratio(
                percentile(panel["samples"], p),
                percentile(nginx["samples"], p),
                floor=NGINX_NOISE_MS,
            )
            for p in (50, 99)
        ),
        "frames/page panel / nginx": " / ".join(
            f"{len(kind['samples']) / max(1, kind['sockets']):.0f}" for kind in (panel, nginx)
        ),
        "missed end panel / nginx": f"{pages - panel['finished']} / {viewers - nginx['finished']}",
        "page GET p50 / p99 ms": p50_p99_ms(loads.page_times),
        "its GET /models p50 / p99 ms": p50_p99_ms(loads.upstream_times),
        "GET errors": loads.failures,
        "panel RSS MB": panel_during["rss_mb"],
        "KB/page": (panel_during["rss_mb"] - panel_idle["rss_mb"]) * 1024 / pages,
        "panel threads": panel_during["threads"],
        "threads/page": (panel_during["threads"] - panel_idle["threads"]) / pages,
        "nginx RSS MB": during["nginx"]["rss_mb"],
        "panel upstream sockets": upstream_sockets,
        "download started by": started_by,
    }


def p50_p99(milliseconds: list[float]) -> str:
    if not milliseconds:
        return "-"
    return f"{statistics.median(milliseconds):.2f} / {percentile(milliseconds, 99):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=DEFAULT_PAGES)
    parser.add_argument("--download-seconds", type=float, default=15.0)
    parser.add_argument(
        "--nginx-max-viewers",
        type=int,
        default=None,
        help="at most this many nginx viewers in a row (default: as many as "
        "pages; 0: the panel alone); each is an upstream socket the "
        "simulator must feed, beside the panel's",
    )
    args = parser.parse_args()
    require_nginx()
    most = max(args.pages)
    cap = most if args.nginx_max_viewers is None else args.nginx_max_viewers
    viewers = {pages: min(pages, cap) for pages in args.pages}
    open_files = raise_open_file_limit()
    print("command: " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(machine_description())
    print(f"load average before: {load_average()}")
    # The simulator holds the direct client, the panel's socket and one per nginx viewer.
    with (
        Servers(
            download_seconds=args.download_seconds,
            tick_seconds=TICK_SECONDS,
            panel_settings={**NO_PINGS, **live_limits(most)},
            simulator_sockets=max(viewers.values()) + 2,
        ) as servers,
        NginxProxy(
            servers.simulator_port, viewers=max(viewers.values()), open_files=open_files
        ) as proxy,
    ):
        model_id = servers.downloadable_model()
        targets = Targets(servers, proxy, model_id)
        idle = baseline(servers, proxy)
        rows = [
            measure(servers, proxy, targets, model_id, pages, viewers[pages], idle)
            for pages in args.pages
        ]
    print(f"load average after: {load_average()}")
    print(
        f"\none download, {1 / TICK_SECONDS:.0f} frames/s, panel under gunicorn with "
        f"webapp/serving/gunicorn_conf.py{servers.gunicorn_overrides} and "
        f"{shlex.join(f'{name}={value}' for name, value in live_limits(most).items())}; "
        f"nginx {proxy.connections} worker_connections, one upstream socket per viewer"
    )
    print(
        f"no page open (baseline): panel worker {idle['panel']['rss_mb']:.1f} MB, "
        f"{idle['panel']['threads']} threads; nginx worker {idle['nginx']['rss_mb']:.1f} MB\n"
    )
    print_table(rows)
    if any(NO_END in str(row.get("direct frames")) for row in rows):
        print(
            f"\n{NO_END}: the direct client did not see the download end within "
            f"{END_GRACE_SECONDS:.0f} s of it, so the simulator (a thread per socket) could not "
            "feed its sockets (one per nginx viewer); --nginx-max-viewers bounds them"
        )


if __name__ == "__main__":
    main()
