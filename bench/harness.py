"""What the benchmarks share: the servers they measure, the machine, percentiles and tables.

The simulator and the panel each run under gunicorn in their own process on a free loopback
port, the panel with the repo's own config (webapp/serving/gunicorn_conf.py), as in production.
"""

import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
BENCH_USER = "bench-operator"
BENCH_PASSWORD = "bench-password-not-secret"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def machine_description() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    return (
        f"machine: {os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"


def raise_open_file_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit, and return it.

    Thousands of sockets are held at once (each page, each proxied viewer, each upstream socket);
    the servers and the listeners are started from here, so they inherit the raised limit.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def live_limits(pages: int) -> dict[str, str]:
    """Panel settings that let the benchmark's single account keep ``pages`` pages open."""
    allowed = str(pages + 100)
    return {"LIVE_SOCKETS_PER_ACCOUNT": allowed, "LIVE_SOCKETS_TOTAL": allowed}


def percentile(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


def p50_p99_ms(seconds: list[float]) -> str:
    """ "p50 / p99" of durations in seconds, as whole milliseconds."""
    return f"{percentile(seconds, 50) * 1000:.0f} / {percentile(seconds, 99) * 1000:.0f}"


def ratio(value: float, reference: float, floor: float = 0.0) -> str:
    """value / reference as "1.23x", or "-" when the reference is at most ``floor`` (too small
    for the ratio to mean anything)."""
    if not reference > floor:
        return "-"
    return f"{value / reference:.2f}x"


def print_table(rows: list[dict]) -> None:
    """A Markdown table, ready to paste into docs/benchmarks.md; a row that lacks a column (a
    round that failed early) shows "-" there."""
    columns = list(dict.fromkeys(column for row in rows for column in row))
    cells = [[format_cell(row.get(column, "-")) for column in columns] for row in rows]
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for line in cells:
        print("| " + " | ".join(line) + " |")


def format_cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started (a gunicorn or nginx master's workers)."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def worker_stats(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        "rss_mb": int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024,
        "threads": int(re.search(r"Threads:\s+(\d+)", status)[1]),
    }


def start_gunicorn(app_spec: str, options: list[str], env: dict) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options, "-b", "127.0.0.1:0", app_spec],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        start_new_session=True,
    )  # its own process group: master and worker go together
    deadline = time.monotonic() + 30
    for line in process.stderr:
        match = LISTENING.search(line)
        if match:
            # Keep draining its log in the background so gunicorn never blocks on the pipe.
            threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
            return process, int(match[1])
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError(f"gunicorn did not start: {app_spec}")


class Servers:
    """A simulator (or ``hosts`` of them, each a host of the panel's fleet, named ``host-1``,
    ``host-2``...) and a panel under gunicorn, and a logged-in operator of the panel."""

    def __init__(
        self,
        download_seconds: float = 15.0,
        tick_seconds: float = 0.1,
        panel_settings: dict[str, str] | None = None,
        simulator_sockets: int = 0,
        hosts: int = 1,
    ):
        self.hosts = hosts
        self.download_seconds = download_seconds
        self.tick_seconds = tick_seconds
        self.panel_settings = panel_settings or {}
        # The simulator holds a thread of its pool per open socket (flask-sock under gthread),
        # so its pool has 64 threads for requests beside the sockets a benchmark opens.
        self.simulator_threads = simulator_sockets + 64
        self.processes: list[subprocess.Popen] = []
        self.cookie = ""
        self.csrf_token = ""
        extra = os.environ.get("GUNICORN_CMD_ARGS")
        self.gunicorn_overrides = f" and GUNICORN_CMD_ARGS={extra!r}" if extra else ""

    def __enter__(self) -> "Servers":
        # A benchmark stopped with SIGTERM (e.g. by `timeout`) still stops its servers.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
        self._instance = tempfile.TemporaryDirectory(prefix="panel-bench-")
        simulator_spec = (
            f"webapp.simulator:create_simulator_app("
            f"download_seconds={self.download_seconds}, "
            f"tick_seconds={self.tick_seconds})"
        )
        self.simulator_urls = []
        for _host in range(self.hosts):
            simulator, port = start_gunicorn(
                simulator_spec,
                [
                    "-k",
                    "gthread",
                    "--threads",
                    str(self.simulator_threads),
                    "--worker-connections",
                    str(2 * self.simulator_threads),
                    "-w",
                    "1",
                    "--no-control-socket",
                ],
                {},
            )
            self.processes.append(simulator)
            self.simulator_urls.append(f"http://127.0.0.1:{port}")
        self.simulator_url = self.simulator_urls[0]
        self.simulator_port = int(self.simulator_url.rsplit(":", 1)[1])
        hosts = {"PIECES_OS_URL": self.simulator_url}
        if self.hosts > 1:
            hosts = {
                "PIECES_OS_HOSTS": ",".join(
                    f"{name}={url}"
                    for name, url in zip(self.host_names, self.simulator_urls, strict=True)
                )
            }
        panel_env = {
            **hosts,
            "SECRET_KEY": "bench-only",
            "DATABASE": str(Path(self._instance.name) / "panel.sqlite"),
            **self.panel_settings,
        }
        self.panel_env = panel_env
        self.add_user(BENCH_USER, "operator", BENCH_PASSWORD)
        panel, port = start_gunicorn(
            "webapp:create_app()",
            ["-c", "python:webapp.serving.gunicorn_conf", "--access-logfile", "/dev/null"],
            panel_env,
        )
        self.processes.append(panel)
        self.panel_url = f"http://127.0.0.1:{port}"
        self._log_in()
        return self

    def add_user(self, name: str, role: str, password: str) -> None:
        """An account made with the command line, as an administrator would."""
        subprocess.run(
            [sys.executable, "-m", "webapp", "users", "add", name, "--role", role]
            + ["--password-stdin"],
            input=password,
            text=True,
            check=True,
            cwd=REPO_ROOT,
            env={**os.environ, **self.panel_env},
            stdout=subprocess.DEVNULL,
        )

    def log_in(self, name: str, password: str) -> tuple[str, str]:
        """Log in through the form, as a browser does: the session cookie and the CSRF token."""
        browser = requests.Session()
        form = browser.get(self.panel_url + "/login", timeout=10).text
        response = browser.post(
            self.panel_url + "/login",
            allow_redirects=False,
            timeout=10,
            data={"name": name, "password": password, "csrf_token": CSRF_FIELD.search(form)[1]},
        )
        response.raise_for_status()
        page = browser.get(self.panel_url + "/", timeout=10).text
        cookie = "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)
        return cookie, CSRF_FIELD.search(page)[1]

    def _log_in(self) -> None:
        self.cookie, self.csrf_token = self.log_in(BENCH_USER, BENCH_PASSWORD)

    def __exit__(self, *_exc) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self._instance.cleanup()

    # -- the panel ---------------------------------------------------------------------------------

    def session(self) -> requests.Session:
        """A logged-in browser: session cookie and CSRF header."""
        session = requests.Session()
        session.headers.update({"Cookie": self.cookie, "X-CSRF-Token": self.csrf_token})
        return session

    def panel_post(self, path: str, timeout: float = 30) -> None:
        response = self.session().post(
            self.panel_url + path,
            data={"next": "/"},
            headers={"HX-Request": "true"},
            timeout=timeout,
        )
        response.raise_for_status()

    def panel_ws(self, path: str) -> str:
        return self.panel_url.replace("http://", "ws://") + path

    def panel_worker_pid(self) -> int:
        return child_pids(self.processes[-1].pid)[0]

    @property
    def host_names(self) -> list[str]:
        return [f"host-{number}" for number in range(1, self.hosts + 1)]

    # -- the simulator -----------------------------------------------------------------------------

    def simulator_ws(self, path: str) -> str:
        return self.simulator_url.replace("http://", "ws://") + path

    def simulator_stats(self) -> dict:
        return self.simulator_stats_of(0)

    def simulator_stats_of(self, host: int) -> dict:
        return requests.get(self.simulator_urls[host] + "/__sim/stats", timeout=10).json()

    def reset_simulator(self) -> None:
        self.reset_simulator_of(0)

    def reset_simulator_of(self, host: int) -> None:
        url = self.simulator_urls[host] + "/__sim/reset"
        requests.post(url, timeout=10).raise_for_status()

    def downloadable_model(self) -> str:
        models = requests.get(self.simulator_url + "/models", timeout=10).json()["iterable"]
        return next(
            model["id"]
            for model in models
            if not model["cloud"] and not model.get("downloaded") and not model.get("denied")
        )
