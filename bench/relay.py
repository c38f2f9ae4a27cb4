"""Benchmark of the live relay: many pages watching one download, on this machine.

For 1, 10, 100 and 300 pages it starts a download through the panel and records, for every
progress frame, when a client connected straight to the simulator got it and when each page got
it: the difference is the latency the panel adds. All the sockets are read by one epoll loop in
a child process (bench/listeners.py), so that hundreds of clients cost the machine little; the
main process meanwhile loads the list page every 0.2 s and reads the panel worker's memory,
threads and the simulator's count of open progress sockets.

Run: .venv/bin/python bench/relay.py   (a few minutes; loopback only; stops by itself)
"""
import argparse
import multiprocessing
import re
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
    machine_description,
    p50_p99_ms,
    percentile,
    print_table,
    worker_stats,
)
from listeners import Listeners, open_socket, text_messages  # noqa: E402

TICK_SECONDS = 0.1  # 10 frames a second, as in the design's prototype measurements
# The listeners answer no ping (bench/listeners.py): no ping may fall within a run.
NO_PINGS = {"LIVE_PING_SECONDS": "600"}


def listen_all(direct_url: str, page_url: str, cookie: str, model_id: str, pages: int,
               ready, results) -> None:
    """In a child process: the direct client and every page, read by one epoll loop.

    Sends to ``results`` one dict per socket (the direct client first): percentage -> when it
    first arrived (perf_counter, comparable between processes), or None for a socket that did not
    see the download end.
    """
    progress = re.compile(rb'id="progress-' + model_id.encode() + rb'".*?value="([0-9.]+)"', re.S)
    direct_percentage = re.compile(rb'"percentage":\s*([0-9.]+)')
    downloaded = (f'<tr id="model-{model_id}" class="model-view" '
                  f'data-state="downloaded"').encode()
    sockets = [open_socket(direct_url, {})]
    headers = {"Cookie": cookie, "Origin": "http://" + urlsplit(page_url).netloc}
    sockets += [open_socket(page_url, headers) for _ in range(pages)]
    listeners = Listeners(sockets)
    listeners.run(seconds=1.0)  # every page reads its first burst
    ready.set()
    listeners.run(seconds=300, markers=[b'"COMPLETED"'] + [downloaded] * pages)
    outcomes = []
    for index, chunks in enumerate(listeners.chunks):
        pattern = direct_percentage if index == 0 else progress
        arrivals: dict[float, float] = {}
        for arrived, message in text_messages(chunks):
            for value in pattern.findall(message):
                arrivals.setdefault(float(value), arrived)
        outcomes.append(arrivals if listeners.finished[index] else None)
    listeners.close()
    results.put(outcomes)


def measure(servers: Servers, pages: int, model_id: str) -> dict:
    servers.session().get(servers.panel_url + "/", timeout=30)  # the panel sees the reset
    ready, results = multiprocessing.Event(), multiprocessing.Queue()
    listener = multiprocessing.Process(target=listen_all, args=(
        servers.simulator_ws(f"/model/{model_id}/download/progress"),
        servers.panel_ws("/live?page=/"), servers.cookie, model_id, pages, ready, results))
    listener.start()
    ready.wait(60)
    page_load_times: list[float] = []
    upstream_times: list[float] = []
    stop_loading = threading.Event()

    def load_pages() -> None:
        """The list page, and beside it the simulator's own GET /models it is built from."""
        session, upstream = servers.session(), requests.Session()
        while not stop_loading.is_set():
            for url, times, client in ((servers.panel_url + "/", page_load_times, session),
                                       (servers.simulator_url + "/models", upstream_times,
                                        upstream)):
                started = time.perf_counter()
                client.get(url, timeout=30).raise_for_status()
                times.append(time.perf_counter() - started)
            stop_loading.wait(0.2)

    loader = threading.Thread(target=load_pages, daemon=True)
    loader.start()
    servers.panel_post(f"/models/{model_id}/download")
    time.sleep(2.0)
    during = worker_stats(servers.panel_worker_pid())
    upstream_sockets = servers.simulator_stats()["progress_sockets"].get(model_id, 0) - 1
    direct, *viewers = results.get(timeout=servers.download_seconds + 120)
    listener.join()
    stop_loading.set()
    loader.join()
    samples = [(arrived - direct[percentage]) * 1000
               for arrivals in viewers if arrivals
               for percentage, arrived in arrivals.items()
               if 0 < percentage < 100 and percentage in direct]
    servers.reset_simulator()  # the model is not downloaded again, for the next round
    return {
        "pages": pages,
        "added p50 ms": statistics.median(samples) if samples else float("nan"),
        "added p99 ms": percentile(samples, 99),
        "frames seen/page": len(samples) / pages,
        "page GET p50/p99 ms": p50_p99_ms(page_load_times),
        "its GET /models p50/p99 ms": p50_p99_ms(upstream_times),
        "RSS MB": during["rss_mb"],
        "threads": during["threads"],
        "upstream sockets": upstream_sockets,
        "errors": sum(1 for arrivals in viewers if arrivals is None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 10, 100, 300])
    parser.add_argument("--download-seconds", type=float, default=15.0)
    args = parser.parse_args()
    print(f"command: {' '.join(sys.argv)}")
    print(machine_description())
    with Servers(download_seconds=args.download_seconds, tick_seconds=TICK_SECONDS,
                 panel_settings=NO_PINGS) as servers:
        model_id = servers.downloadable_model()
        rows = [measure(servers, pages, model_id) for pages in args.pages]
    print(f"\none download, {1 / TICK_SECONDS:.0f} frames/s, panel under gunicorn with "
          f"webapp/serving/gunicorn_conf.py{servers.gunicorn_overrides}")
    print_table(rows)


if __name__ == "__main__":
    main()
