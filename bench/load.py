"""Load and soak: a whole team's open pages, page loads and actions at once, for a minute.

300 pages keep their live socket open while the benchmark loads the list page 20 times a second
and does 2 actions a second (load and unload of the smallest model, in turn) for 60 s. It counts
errors and reports page and action latencies, and the panel worker's RSS, threads and open
sockets before, during and after; after the pages close, threads and sockets should return to
where they were before.

Run: .venv/bin/python bench/load.py   (about 2 minutes; loopback only; stops by itself)
"""
import argparse
import asyncio
import multiprocessing
import os
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
    print_table,
    worker_stats,
)

ORIGIN = "http://127.0.0.1"  # simple-websocket's client sends Host without the port


def open_sockets(pid: int) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except FileNotFoundError:  # closed while we looked
            pass
    return count


def snapshot(servers: Servers) -> dict:
    pid = servers.panel_worker_pid()
    return {**worker_stats(pid), "sockets": open_sockets(pid)}


def hold_pages(url: str, cookie: str, pages: int, seconds: float, ready, results) -> None:
    """In a child process: keep ``pages`` live sockets open and read them for ``seconds``."""
    async def one_page() -> int:
        socket = await AioClient.connect(url, headers=[("Cookie", cookie), ("Origin", ORIGIN)])
        received = 0
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if await socket.receive(timeout=1) is not None:
                    received += 1
        except ConnectionClosed:
            return -1
        finally:
            await socket.close()
        return received

    async def main() -> None:
        tasks = [asyncio.create_task(one_page()) for _ in range(pages)]
        await asyncio.sleep(3)
        ready.set()
        counts = await asyncio.gather(*tasks, return_exceptions=True)
        results.put(sum(1 for count in counts if not isinstance(count, int) or count < 0))

    asyncio.run(main())


def paced(every: float, seconds: float, work, errors: list, times: list) -> threading.Thread:
    """Call ``work`` every ``every`` seconds for ``seconds``; note durations and failures."""
    def run() -> None:
        start = time.monotonic()
        tick = 0
        while time.monotonic() < start + seconds:
            began = time.perf_counter()
            try:
                work(tick)
                times.append(time.perf_counter() - began)
            except requests.RequestException as error:
                errors.append(str(error))
            tick += 1
            time.sleep(max(0.0, start + tick * every - time.monotonic()))
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--page-loads-per-second", type=float, default=20)
    parser.add_argument("--actions-per-second", type=float, default=2)
    args = parser.parse_args()
    print(f"command: {' '.join(sys.argv)}")
    print(machine_description())
    with Servers() as servers:
        models = requests.get(servers.simulator_url + "/models", timeout=10).json()["iterable"]
        # The smallest downloaded model, loaded and unloaded in turn: it always fits in memory.
        target = min((model for model in models if model.get("downloaded")
                      and not model.get("loaded") and not model.get("denied")),
                     key=lambda model: model["ram"]["value"])["id"]
        session = servers.session()
        session.get(servers.panel_url + "/", timeout=30)
        time.sleep(1)
        before = snapshot(servers)

        ready, results = multiprocessing.Event(), multiprocessing.Queue()
        holder = multiprocessing.Process(target=hold_pages, args=(
            servers.panel_ws("/live?page=/"), servers.cookie, args.pages, args.seconds + 5,
            ready, results))
        holder.start()
        ready.wait(120)

        page_times, action_times, errors = [], [], []

        def load_page(_tick: int) -> None:
            servers.session().get(servers.panel_url + "/", timeout=30).raise_for_status()

        def act(tick: int) -> None:
            servers.panel_post(f"/models/{target}/{'load' if tick % 2 == 0 else 'unload'}")

        workers = [paced(1 / args.page_loads_per_second, args.seconds, load_page, errors,
                         page_times),
                   paced(1 / args.actions_per_second, args.seconds, act, errors, action_times)]
        time.sleep(args.seconds / 2)
        during = snapshot(servers)
        for worker in workers:
            worker.join()
        socket_errors = results.get(timeout=60)
        holder.join()
        time.sleep(3)  # the panel notices the pages are gone
        after = snapshot(servers)

    print(f"\n{args.pages} open pages, {args.page_loads_per_second:g} page loads/s, "
          f"{args.actions_per_second:g} actions/s, {args.seconds:g} s{servers.gunicorn_overrides}")
    print_table([{
        "page loads": len(page_times), "page p50/p99 ms": p50_p99_ms(page_times),
        "actions": len(action_times), "action p50/p99 ms": p50_p99_ms(action_times),
        "errors": len(errors) + socket_errors,
    }])
    print()
    print_table([{"when": when, "RSS MB": stats["rss_mb"], "threads": stats["threads"],
                  "sockets": stats["sockets"]}
                 for when, stats in (("before", before), ("during", during), ("after", after))])
    for error in errors[:5]:
        print("error:", error)


if __name__ == "__main__":
    main()
