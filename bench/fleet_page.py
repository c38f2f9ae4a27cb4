"""Benchmark of the fleet page: what `/fleet` adds to its slowest host's own `GET /models`.

Ten simulators, each a host of the panel's fleet with 70 models (the simulator's catalogue
copied under new ids, see bench/pages.py), every host a different subset so the matrix has
holes. After a warm-up it alternates, per round, a direct `GET /models` on every host (in
parallel, as the fleet page asks them) and a logged-in `GET /fleet` on the panel, both over
kept-alive loopback connections, the panel under gunicorn with the repo's config. The fleet page
is built from each host's live state (a host whose list is due is asked for it in the
background, without waiting), so it never waits for Pieces OS; the round's overhead is the
page's time minus the slowest host's `GET /models` in that round: what a team waits for beyond
the slowest machine, had the page asked each host.

Run: .venv/bin/python bench/fleet_page.py   (about a minute; loopback only; stops by itself)
"""

import argparse
import shlex
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import Servers, load_average, machine_description, percentile, print_table  # noqa: E402
from pages import realistic_models, timed_get  # noqa: E402

TARGET_OVERHEAD_P50_MS = 20.0
PERCENTILES = (50, 95, 99)


def give_models(servers: Servers, per_host: int) -> int:
    """Each host its models: all but a tenth of a shared set, a different tenth left out on each
    host. Returns how many models the fleet has in all."""
    shared = realistic_models(per_host + per_host // 10)
    for index, url in enumerate(servers.simulator_urls):
        left_out = {
            (index + step * len(servers.simulator_urls)) % len(shared)
            for step in range(per_host // 10)
        }
        models = [model for number, model in enumerate(shared) if number not in left_out][:per_host]
        requests.put(f"{url}/__sim/models", json=models, timeout=30).raise_for_status()
    return len(shared)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--models", type=int, default=70, help="per host")
    parser.add_argument("--requests", type=int, default=200, help="rounds, after warm-up")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    print("command: " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(machine_description())
    print(f"load average before: {load_average()}")
    with Servers(hosts=args.hosts) as servers, ThreadPoolExecutor(args.hosts) as pool:
        total = give_models(servers, args.models)
        panel = servers.session()
        upstreams = [requests.Session() for _ in servers.simulator_urls]
        fleet_url = f"{servers.panel_url}/fleet"
        page = panel.get(fleet_url, timeout=30)
        page.raise_for_status()

        def round_trip() -> tuple[float, float]:
            slowest = max(
                pool.map(
                    lambda pair: timed_get(pair[0], f"{pair[1]}/models"),
                    zip(upstreams, servers.simulator_urls, strict=True),
                )
            )
            return slowest, timed_get(panel, fleet_url)

        for _ in range(args.warmup):
            round_trip()
        rounds = [round_trip() for _ in range(args.requests)]
    print(f"load average after: {load_average()}\n")
    slowest = [upstream for upstream, _page in rounds]
    fleet = [page_ms for _upstream, page_ms in rounds]
    overheads = [page_ms - upstream for upstream, page_ms in rounds]
    row = {
        "hosts": args.hosts,
        "models per host / in all": f"{args.models} / {total}",
        "page KB": len(page.content) / 1024,
    }
    for name, samples in (
        ("slowest host GET /models", slowest),
        ("GET /fleet", fleet),
        ("overhead", overheads),
    ):
        row[f"{name} p50/p95/p99 ms"] = " / ".join(
            f"{percentile(samples, p):.1f}" for p in PERCENTILES
        )
    print_table([row])
    p50 = percentile(overheads, 50)
    verdict = "met" if p50 <= TARGET_OVERHEAD_P50_MS else "MISSED"
    print(f"\ntarget: overhead p50 <= {TARGET_OVERHEAD_P50_MS:g} ms: {verdict} ({p50:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
