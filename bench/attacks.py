"""Attacks on the serving layer, and what another account sees meanwhile (issue 23, items 1-3).

Each round starts one attack from a process of its own (asyncio, raw sockets, so that thousands
of connections cost the attacker little) while a bystander, logged in with another account, loads
the list page every 0.2 s and an anonymous caller asks /healthz every 0.5 s. The table gives the
bystander's latencies during the attack, how many of its requests failed, and how long after the
attack ended the panel answered /healthz again. The attacks:

- ``idle-300``, ``idle-2000``: that many TCP connections that send nothing, held 6 s (item 1);
- ``slow-body``: 300 anonymous ``POST /login`` announcing 90 000 bytes, sent one byte every 2 s,
  each connection opened again as soon as the panel closes it (item 2);
- ``trickled-headers``: 600 connections sending one header line a second, reopened likewise;
- ``get-flood``: 2 000 concurrent ``GET /`` of one viewer account, each sent again at once
  (item 3);
- ``live-flood``: 2 000 concurrent ``/live`` handshakes of that account, likewise.

Run: .venv/bin/python bench/attacks.py [--seconds 20] [--only get-flood]   (loopback only)
"""

import argparse
import asyncio
import multiprocessing
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import (  # noqa: E402
    Servers,
    load_average,
    machine_description,
    percentile,
    print_table,
    raise_open_file_limit,
)

ATTACKER, BYSTANDER = "bench-attacker", "bench-bystander"
PASSWORD = "bench-password-not-secret"
# The attacker's connections come from another loopback address than the probes', as a second
# machine's would: the panel counts anonymous requests per address.
ATTACKER_ADDRESS = "127.0.0.2"
PROBE_TIMEOUT = 30.0
TARGET_P99_SECONDS = 1.0


# -- the attacker, in a process of its own ---------------------------------------------------------


async def hold_idle(host: str, port: int, count: int, seconds: float, tally: Counter) -> None:
    async def one() -> None:
        try:
            _reader, writer = await asyncio.open_connection(
                host, port, local_addr=(ATTACKER_ADDRESS, 0)
            )
        except OSError:
            tally["refused"] += 1
            return
        tally["held"] += 1
        await asyncio.sleep(seconds)
        writer.close()

    await asyncio.gather(*(one() for _ in range(count)))


async def trickle(host: str, port: int, opening: bytes, piece: bytes, every: float, tally: Counter):
    """Send ``opening``, then ``piece`` every ``every`` seconds until the panel closes the
    connection; then open another. Runs until cancelled."""
    while True:
        try:
            reader, writer = await asyncio.open_connection(
                host, port, local_addr=(ATTACKER_ADDRESS, 0)
            )
            writer.write(opening)
            while not reader.at_eof():
                await asyncio.sleep(every)
                writer.write(piece)
                await writer.drain()
                if reader.at_eof():
                    break
            tally["closed by the panel"] += 1
        except (OSError, asyncio.IncompleteReadError):
            tally["closed by the panel"] += 1
        await asyncio.sleep(0.05)


async def hammer(host: str, port: int, request: bytes, tally: Counter) -> None:
    """Send ``request`` on a new connection, read the status line, and again, until cancelled.
    An upgraded socket (101) is held open, as an attacker collecting sockets would."""
    while True:
        try:
            reader, writer = await asyncio.open_connection(
                host, port, local_addr=(ATTACKER_ADDRESS, 0)
            )
            writer.write(request)
            status_line = await reader.readline()
            status = status_line.split(b" ")[1].decode() if status_line else "closed"
            tally[status] += 1
            await reader.read()  # the answer; an upgraded socket is held until the panel closes it
            writer.close()
        except OSError:
            tally["connection failed"] += 1
            await asyncio.sleep(0.05)


def attack_requests(kind: str, host_header: str, cookie: str) -> tuple[bytes, bytes]:
    """The opening bytes (and the trickled piece) of an attack's connections."""
    if kind == "slow-body":
        head = (
            f"POST /login HTTP/1.1\r\nHost: {host_header}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 90000\r\n\r\n"
        )
        return head.encode(), b"a"
    if kind == "trickled-headers":
        return f"GET /healthz HTTP/1.1\r\nHost: {host_header}\r\n".encode(), b"X-Slow: 1\r\n"
    if kind == "get-flood":
        head = f"GET / HTTP/1.1\r\nHost: {host_header}\r\nCookie: {cookie}\r\nConnection: close\r\n"
        return (head + "\r\n").encode(), b""
    if kind == "live-flood":
        head = (
            f"GET /live?page=%2F HTTP/1.1\r\nHost: {host_header}\r\nCookie: {cookie}\r\n"
            f"Origin: http://{host_header}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        return head.encode(), b""
    raise ValueError(kind)


ATTACKS = {
    # name: (connections, what each does)
    "idle-300": (300, "idle"),
    "idle-2000": (2000, "idle"),
    "slow-body": (300, "trickle"),
    "trickled-headers": (600, "trickle"),
    "get-flood": (2000, "hammer"),
    "live-flood": (2000, "hammer"),
}
IDLE_HOLD_SECONDS = 6.0
TRICKLE_EVERY = {"slow-body": 2.0, "trickled-headers": 1.0}


def run_attack(kind: str, url: str, cookie: str, seconds: float, results) -> None:
    """The attack process: runs ``kind`` for ``seconds`` (idle bursts: for their hold time)."""
    parts = urlsplit(url)
    host, port, host_header = parts.hostname, parts.port, parts.netloc
    count, style = ATTACKS[kind]
    tally: Counter = Counter()

    async def main() -> None:
        if style == "idle":
            await hold_idle(host, port, count, IDLE_HOLD_SECONDS, tally)
            return
        opening, piece = attack_requests(kind, host_header, cookie)
        if style == "trickle":
            workers = [
                trickle(host, port, opening, piece, TRICKLE_EVERY[kind], tally)
                for _ in range(count)
            ]
        else:
            workers = [hammer(host, port, opening, tally) for _ in range(count)]
        tasks = [asyncio.ensure_future(worker) for worker in workers]
        await asyncio.sleep(seconds)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    results.put(dict(tally))


# -- the bystander and the anonymous probe ---------------------------------------------------------


@dataclass
class Probe:
    """Asks ``path`` every ``every`` seconds until stopped: latencies of answers, failures."""

    url: str
    every: float
    headers: dict = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        session = requests.Session()
        session.headers.update(self.headers)
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                response = session.get(self.url, timeout=PROBE_TIMEOUT, allow_redirects=False)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                self.latencies.append(time.monotonic() - started)
                self.answered_at.append(time.monotonic())
            else:
                self.failures += 1
            self.stop.wait(max(0.0, self.every - (time.monotonic() - started)))


def measure(servers: Servers, kind: str, seconds: float, cookies: dict) -> dict:
    bystander = Probe(servers.panel_url + "/", 0.2, {"Cookie": cookies[BYSTANDER]})
    anonymous = Probe(servers.panel_url + "/healthz", 0.5)
    probes = [bystander, anonymous]
    threads = [threading.Thread(target=probe.run, daemon=True) for probe in probes]
    results: multiprocessing.Queue = multiprocessing.Queue()
    attacker = multiprocessing.Process(
        target=run_attack, args=(kind, servers.panel_url, cookies[ATTACKER], seconds, results)
    )
    attacker.start()
    time.sleep(1.0)  # the attack is under way before the probes start
    for thread in threads:
        thread.start()
    tally = results.get(timeout=seconds + 120)
    attacker.join()
    ended = time.monotonic()
    # After the attack: how soon does an anonymous /healthz get an answer?
    after = Probe(servers.panel_url + "/healthz", 0.05)
    after_thread = threading.Thread(target=after.run, daemon=True)
    after_thread.start()
    deadline = ended + PROBE_TIMEOUT
    while not after.answered_at and time.monotonic() < deadline:
        time.sleep(0.01)
    for probe in [*probes, after]:
        probe.stop.set()
    recovered = f"{after.answered_at[0] - ended:.2f}" if after.answered_at else "no answer"
    during = bystander.latencies
    return {
        "attack": kind,
        "connections": ATTACKS[kind][0],
        "bystander GET / p50 ms": f"{percentile(during, 50) * 1000:.0f}",
        "p99 ms": f"{percentile(during, 99) * 1000:.0f}",
        "max ms": f"{max(during, default=float('nan')) * 1000:.0f}",
        "answered / failed": f"{len(during)} / {bystander.failures}",
        "/healthz p99 ms": f"{percentile(anonymous.latencies, 99) * 1000:.0f}",
        "/healthz after end s": recovered,
        f"p99 <= {TARGET_P99_SECONDS:.0f} s": "yes"
        if during and not bystander.failures and percentile(during, 99) <= TARGET_P99_SECONDS
        else "NO",
        "attacker's answers": ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="how long each attack lasts")
    parser.add_argument("--only", choices=list(ATTACKS), action="append")
    options = parser.parse_args()
    raise_open_file_limit()
    print(machine_description())
    print(f"load before: {load_average()}")
    rows = []
    with Servers() as servers:
        cookies = {}
        for name in (ATTACKER, BYSTANDER):
            servers.add_user(name, "viewer", PASSWORD)
            cookies[name] = servers.log_in(name, PASSWORD)[0]
        for kind in options.only or list(ATTACKS):
            rows.append(measure(servers, kind, options.seconds, cookies))
            print(f"  {kind}: done", flush=True)
            time.sleep(3)  # the panel settles between rounds
    print_table(rows)


if __name__ == "__main__":
    main()
