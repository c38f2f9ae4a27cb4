"""Benchmark of the live relay: many pages watching one download, on this machine.

For 1, 10, 100 and 300 pages it starts a download through the panel and records, for every
progress frame, when a client connected straight to the simulator got it and when each page got
it: the difference is the latency the panel adds. The sockets are read by one asyncio process,
so that hundreds of clients cost the machine little; the main process meanwhile loads the list
page every 0.2 s and reads the panel worker's memory, threads and the simulator's count of open
progress sockets.

Run: .venv/bin/python bench/relay.py   (a few minutes; loopback only; stops by itself)
"""
import argparse
import asyncio
import json
import multiprocessing
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import requests
from simple_websocket import AioClient, ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (  # noqa: E402
    Servers,
    machine_description,
    p50_p99_ms,
    percentile,
    print_table,
    worker_stats,
)

TICK_SECONDS = 0.1  # 10 frames a second, as in the design's prototype measurements
# simple-websocket's client sends Host without the port; the panel compares Origin with Host.
ORIGIN = "http://127.0.0.1"


async def listen(url: str, headers: list, parse, finished,
                 connected: asyncio.Queue) -> dict[float, float]:
    """Percentage -> when it first arrived (perf_counter), until ``finished(message)``."""
    arrivals: dict[float, float] = {}
    socket = await AioClient.connect(url, headers=headers)
    await connected.put(url)
    try:
        while True:
            message = await socket.receive(timeout=120)
            if message is None:
                break
            now = time.perf_counter()
            for percentage in parse(message):
                arrivals.setdefault(percentage, now)
            if finished(message):
                break
    except ConnectionClosed:
        pass
    finally:
        await socket.close()
    return arrivals


def listen_all(direct_url: str, page_url: str, cookie: str, model_id: str, pages: int,
               ready, results) -> None:
    """In a child process: the direct client and every page, on one event loop."""
    progress = re.compile(rf'id="progress-{model_id}".*?value="([0-9.]+)"', re.S)
    downloaded = f'<tr id="model-{model_id}" class="model-view" data-state="downloaded"'

    def direct_percentages(message: str) -> list[float]:
        value = json.loads(message).get("percentage")
        return [float(value)] if isinstance(value, (int, float)) else []

    async def main() -> None:
        connected: asyncio.Queue = asyncio.Queue()
        direct = asyncio.create_task(listen(direct_url, [], direct_percentages,
                                            lambda message: '"COMPLETED"' in message, connected))
        headers = [("Cookie", cookie), ("Origin", ORIGIN)]
        viewers = [asyncio.create_task(listen(
            page_url, headers, lambda message: [float(v) for v in progress.findall(message)],
            lambda message: downloaded in message, connected)) for _ in range(pages)]
        for _ in range(pages + 1):
            await connected.get()
        await asyncio.sleep(1.0)  # and every page has read its first burst
        ready.set()
        outcomes = await asyncio.gather(direct, *viewers, return_exceptions=True)
        results.put([outcome if isinstance(outcome, dict) else None for outcome in outcomes])

    asyncio.run(main())


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
    with Servers(download_seconds=args.download_seconds, tick_seconds=TICK_SECONDS) as servers:
        model_id = servers.downloadable_model()
        rows = [measure(servers, pages, model_id) for pages in args.pages]
    print(f"\none download, {1 / TICK_SECONDS:.0f} frames/s, panel under gunicorn with "
          f"webapp/gunicorn_conf.py{servers.gunicorn_overrides}")
    print_table(rows)


if __name__ == "__main__":
    main()
