"""Load and soak: a whole team's open pages, page loads and actions at once, for a minute.

300 pages (``--pages``) keep their live socket open while the benchmark loads the list page 20
times a second and does 2 actions a second (load and unload of the smallest model, in turn) for
60 s. It counts errors and reports page and action latencies, and the panel worker's RSS, threads
and open sockets at the baseline (after a warm-up: every kind of request once, before the pages
open), during, and after the pages closed,
each as a ratio to the baseline: after the pages close, memory and threads should be back within
10 % of the baseline (issue 16).

Run: .venv/bin/python bench/load.py   (about 2 minutes; loopback only; stops by itself)
"""

import argparse
import asyncio
import multiprocessing
import os
import shlex
import sys
import threading
import time
from pathlib import Path

import requests
from simple_websocket import AioClient, ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import (  # noqa: E402
    Servers,
    live_limits,
    load_average,
    machine_description,
    p50_p99_ms,
    print_table,
    raise_open_file_limit,
    ratio,
    worker_stats,
)

ORIGIN = "http://127.0.0.1"  # simple-websocket's client sends Host without the port
HANDSHAKES_IN_FLIGHT = 16  # the panel accepts handshakes only so fast
WARM_UP_PAGES = 5
OPEN_SECONDS = 120  # at most, to open every page: a panel out of connections answers none
# The panel notices the pages are gone at once, and a page's greenlets end with its socket; the
# pause lets the worker settle before it is measured again.
AFTER_CLOSE_SECONDS = 15
RECOVERY_TARGET = 1.10  # after / baseline, for RSS and threads (issue 16)


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


def warm_up(servers: Servers, target: str) -> None:
    """Every kind of request once before the baseline, as a panel that served a team already
    has: the list, a load and an unload, a few live pages opened and closed. What that leaves
    (compiled templates, the parsed list) is not counted as left over by the load."""
    ready, results = multiprocessing.Event(), multiprocessing.Queue()
    holder = multiprocessing.Process(
        target=hold_pages,
        daemon=True,
        args=(servers.panel_ws("/live?page=/"), servers.cookie, WARM_UP_PAGES, 3, ready, results),
    )
    holder.start()
    ready.wait(OPEN_SECONDS + 30)
    servers.session().get(servers.panel_url + "/", timeout=30).raise_for_status()
    for action in ("load", "unload"):
        servers.panel_post(f"/models/{target}/{action}")
    results.get(timeout=60)
    holder.join()
    time.sleep(AFTER_CLOSE_SECONDS)


def hold_pages(url: str, cookie: str, pages: int, seconds: float, ready, results) -> None:
    """In a child process: open ``pages`` live sockets, a few handshakes at a time and all within
    OPEN_SECONDS, then keep them open and read them for ``seconds``. Puts on ``results`` how
    many pages failed to open or were closed by the panel."""
    handshakes = asyncio.Semaphore(HANDSHAKES_IN_FLIGHT)
    deadline = time.monotonic() + OPEN_SECONDS

    async def open_page() -> AioClient:
        async with handshakes:
            return await asyncio.wait_for(
                AioClient.connect(url, headers=[("Cookie", cookie), ("Origin", ORIGIN)]),
                max(0.0, deadline - time.monotonic()),
            )

    async def read_page(socket: AioClient) -> bool:
        """Whether the page stayed open all along."""
        until = time.monotonic() + seconds
        try:
            while time.monotonic() < until:
                await socket.receive(timeout=1)
        except ConnectionClosed:
            return False
        finally:
            await socket.close()
        return True

    async def main() -> None:
        sockets = await asyncio.gather(*(open_page() for _ in range(pages)), return_exceptions=True)
        opened = [socket for socket in sockets if not isinstance(socket, BaseException)]
        ready.set()
        stayed = await asyncio.gather(
            *(read_page(socket) for socket in opened), return_exceptions=True
        )
        results.put(pages - sum(1 for open_all_along in stayed if open_all_along is True))

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
    raise_open_file_limit()
    print("command: " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(machine_description())
    print(f"load average before: {load_average()}")
    with Servers(panel_settings=live_limits(args.pages)) as servers:
        models = requests.get(servers.simulator_url + "/models", timeout=10).json()["iterable"]
        # The smallest downloaded model, loaded and unloaded in turn: it always fits in memory.
        target = min(
            (
                model
                for model in models
                if model.get("downloaded") and not model.get("loaded") and not model.get("denied")
            ),
            key=lambda model: model["ram"]["value"],
        )["id"]
        warm_up(servers, target)
        baseline = snapshot(servers)

        ready, results = multiprocessing.Event(), multiprocessing.Queue()
        holder = multiprocessing.Process(
            target=hold_pages,
            daemon=True,
            args=(
                servers.panel_ws("/live?page=/"),
                servers.cookie,
                args.pages,
                args.seconds + 5,
                ready,
                results,
            ),
        )
        holder.start()
        ready.wait(OPEN_SECONDS + 30)

        page_times, action_times, errors = [], [], []

        def load_page(_tick: int) -> None:
            servers.session().get(servers.panel_url + "/", timeout=30).raise_for_status()

        def act(tick: int) -> None:
            servers.panel_post(f"/models/{target}/{'load' if tick % 2 == 0 else 'unload'}")

        workers = [
            paced(1 / args.page_loads_per_second, args.seconds, load_page, errors, page_times),
            paced(1 / args.actions_per_second, args.seconds, act, errors, action_times),
        ]
        time.sleep(args.seconds / 2)
        during = snapshot(servers)
        for worker in workers:
            worker.join()
        socket_errors = results.get(timeout=60)
        holder.join()
        time.sleep(AFTER_CLOSE_SECONDS)
        after = snapshot(servers)

    print(f"load average after: {load_average()}")
    print(
        f"\n{args.pages} open pages, {args.page_loads_per_second:g} page loads/s, "
        f"{args.actions_per_second:g} actions/s, {args.seconds:g} s{servers.gunicorn_overrides}"
    )
    print_table(
        [
            {
                "page loads": len(page_times),
                "page p50/p99 ms": p50_p99_ms(page_times),
                "actions": len(action_times),
                "action p50/p99 ms": p50_p99_ms(action_times),
                "errors": len(errors) + socket_errors,
            }
        ]
    )
    print(
        f"\npanel worker: baseline after a warm-up (the list, a load and an unload, "
        f"{WARM_UP_PAGES} live pages), during (halfway), and "
        f"{AFTER_CLOSE_SECONDS} s after the pages closed\n"
    )
    print_table(worker_rows(args.pages, baseline, during, after))
    print()
    print(recovery_verdict(baseline, after))
    for error in errors[:5]:
        print("error:", error)


def worker_rows(pages: int, baseline: dict, during: dict, after: dict) -> list[dict]:
    """The worker's figures at each moment, each as a ratio to the baseline; while the pages are
    open also per page."""
    rows = []
    for when, stats in (("baseline", baseline), ("during", during), ("after", after)):
        rows.append(
            {
                "when": when,
                "RSS MB": stats["rss_mb"],
                "threads": stats["threads"],
                "sockets": stats["sockets"],
                "RSS / baseline": ratio(stats["rss_mb"], baseline["rss_mb"]),
                "threads / baseline": ratio(stats["threads"], baseline["threads"]),
                "KB/page": (stats["rss_mb"] - baseline["rss_mb"]) * 1024 / pages
                if when == "during"
                else "-",
                "threads/page": (stats["threads"] - baseline["threads"]) / pages
                if when == "during"
                else "-",
            }
        )
    return rows


def recovery_verdict(baseline: dict, after: dict) -> str:
    """Whether memory and threads came back within 10 % of the baseline once the pages closed."""
    parts = []
    for name, key in (("RSS", "rss_mb"), ("threads", "threads")):
        met = after[key] <= baseline[key] * RECOVERY_TARGET
        parts.append(f"{name} {ratio(after[key], baseline[key])} ({'met' if met else 'MISSED'})")
    return (
        f"after the pages closed, against the baseline (target <= {RECOVERY_TARGET:.2f}x): "
        + ", ".join(parts)
    )


if __name__ == "__main__":
    main()
