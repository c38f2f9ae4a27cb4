"""Benchmark of the list page: what the panel adds to Pieces OS's own `GET /models`.

For 20, 100 and 500 models (built from the simulator's catalogue and served with
`PUT /__sim/models`) it alternates, after a warm-up, a direct `GET /models` on the simulator and a
logged-in `GET /` on the panel, both under gunicorn (the panel with the repo's config, see
bench/harness.py), both over kept-alive loopback connections. The panel's page includes its own
`GET /models`, so panel minus upstream is the panel's overhead: parsing, the live loop's look at
the list, the login check, rendering, gunicorn. Prints the command, the machine and a table.

Run: .venv/bin/python bench/pages.py   (about a minute; loopback only; stops by itself)
"""

import argparse
import copy
import shlex
import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import (  # noqa: E402
    Servers,
    load_average,
    machine_description,
    percentile,
    print_table,
)

from webapp.simulator.catalogue import initial_models  # noqa: E402

TARGET_SIZE = 100
TARGET_OVERHEAD_P50_MS = 5.0
PERCENTILES = (50, 95, 99)
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pieces.app/panel/bench/pages")


def realistic_models(count: int) -> list[dict]:
    """`count` catalogue models, copied round-robin under new ids and numbered names."""
    catalogue = initial_models()
    models = []
    for index in range(count):
        model = copy.deepcopy(catalogue[index % len(catalogue)])
        model["id"] = str(uuid.uuid5(_NAMESPACE, str(index)))
        model["name"] = f"{model['name']} #{index // len(catalogue) + 1}"
        models.append(model)
    return models


def timed_get(session: requests.Session, url: str) -> float:
    """Milliseconds until the whole answer has arrived."""
    started = time.perf_counter()
    response = session.get(url, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed


def measure(servers: Servers, size: int, requests_per_size: int, warmup: int) -> tuple[dict, float]:
    """The table row for `size` models, and the overhead at p50."""
    requests.put(
        f"{servers.simulator_url}/__sim/models", json=realistic_models(size), timeout=30
    ).raise_for_status()
    upstream, panel = requests.Session(), servers.session()
    models_url, page_url = f"{servers.simulator_url}/models", f"{servers.panel_url}/"
    page = panel.get(page_url, timeout=30).text
    assert f"Showing {size} of {size} models" in page, "the panel did not list every model"
    for _ in range(warmup):
        timed_get(upstream, models_url)
        timed_get(panel, page_url)
    direct, through_panel = [], []
    for _ in range(requests_per_size):  # alternated, so both see the same machine
        direct.append(timed_get(upstream, models_url))
        through_panel.append(timed_get(panel, page_url))
    row = {"models": size, "page KB": len(page.encode()) / 1024}
    for name, samples in (("upstream", direct), ("panel", through_panel)):
        row[f"{name} p50/p95/p99 ms"] = " / ".join(
            f"{percentile(samples, p):.1f}" for p in PERCENTILES
        )
    overheads = [percentile(through_panel, p) - percentile(direct, p) for p in PERCENTILES]
    row["overhead p50/p95/p99 ms"] = " / ".join(f"{value:.1f}" for value in overheads)
    return row, overheads[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100, 500])
    parser.add_argument("--requests", type=int, default=200, help="per size, after warm-up")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    print("command: " + shlex.join([Path(sys.executable).name, *sys.argv]))
    print(machine_description())
    print(f"load average before: {load_average()}")
    with Servers() as servers:
        print(
            f"panel: gunicorn -c python:webapp.serving.gunicorn_conf{servers.gunicorn_overrides} "
            "(access log to /dev/null); simulator: gunicorn gthread, 64 threads"
        )
        print(
            f"{args.requests} requests per size to each, after {args.warmup} warm-up; "
            "overhead = panel percentile - upstream percentile\n"
        )
        results = {size: measure(servers, size, args.requests, args.warmup) for size in args.sizes}
    print(f"load average after: {load_average()} (other work on the machine skews the tail)\n")
    print_table([row for row, _p50 in results.values()])
    if TARGET_SIZE in results:
        p50 = results[TARGET_SIZE][1]
        verdict = "met" if p50 <= TARGET_OVERHEAD_P50_MS else "MISSED"
        print(
            f"\ntarget: overhead p50 <= {TARGET_OVERHEAD_P50_MS:g} ms at {TARGET_SIZE} models: "
            f"{verdict} ({p50:.1f} ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
