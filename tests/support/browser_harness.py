"""Real Chromium against the real thing: the panel and the Pieces OS simulator, each its own
gunicorn process on a loopback port, started as a deployment starts them.

Used by the browser tests (through the fixtures in conftest.py) and by ``screenshots.py``.
Chromium is the system's (Debian's ``chromium`` package); Playwright never downloads one here.
"""

import os
import shutil
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.support.accounts import TEST_PASSWORD
from tests.support.servers import GunicornServer, serve_with_gunicorn

#: Debian's Chromium, quiet: no sandbox (containers, root), no GPU, nothing fetched from the net.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: A download in the simulator takes 6 s in 30 steps: slow enough to watch, quick enough to wait.
DOWNLOAD_SECONDS = 6
SIMULATOR_APP = (
    f"webapp.simulator:create_simulator_app(download_seconds={DOWNLOAD_SECONDS}, tick_seconds=0.2)"
)
#: The panel polls Pieces OS every second, so changes made behind its back show quickly.
LIVE_REFRESH_SECONDS = 1
#: How long a wait for something on a page may take (Playwright's own default is 5 s).
WAIT_MS = 10_000


def find_chromium() -> str | None:
    """The Chromium to drive: $CHROMIUM if set, else ``chromium`` (or ``chromium-browser``)
    on the PATH; None when there is none."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_chromium(playwright, executable: str):
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


class SimulatorProcess:
    """The Pieces OS simulator under gunicorn; it can be stopped and started again on the same
    port, as when Pieces OS is restarted."""

    def __init__(self):
        self._server: GunicornServer | None = serve_with_gunicorn(SIMULATOR_APP)
        self.url = self._server.url
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def start(self) -> None:
        """Start again where it listened before (a fresh simulator: its catalogue as at first)."""
        if self._server is None:
            self._server = serve_with_gunicorn(SIMULATOR_APP, port=self.port)


def serve_panel(
    pieces_os_url: str, database: str, port: int = 0, **settings: str
) -> GunicornServer:
    """The panel under gunicorn with the repo's own config (``webapp.serving.gunicorn_conf``), as
    ``pieces-admin serve`` runs it; ``settings`` are more environment variables."""
    config = "webapp.serving.gunicorn_conf"
    return serve_with_gunicorn(
        "webapp:create_app()",
        config_module=config,
        port=port,
        env={
            "PIECES_OS_URL": pieces_os_url,
            "SECRET_KEY": "browser-tests-only",
            "DATABASE": database,
            "LIVE_REFRESH_SECONDS": str(LIVE_REFRESH_SECONDS),
            **settings,
        },
    )


class PanelProcess:
    """The panel under gunicorn; it can be stopped and started again on the same port, as when
    it is restarted (the database, so the sessions, stay)."""

    def __init__(self, pieces_os_url: str, database: str, **settings: str):
        self._options = (pieces_os_url, database)
        self._settings = settings
        self._server: GunicornServer | None = serve_panel(pieces_os_url, database, **settings)
        self.url = self._server.url
        self.port = int(self.url.rsplit(":", 1)[1])
        self.logs = [self._server.log]  # each run's stderr

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def start(self) -> None:
        if self._server is None:
            self._server = serve_panel(*self._options, port=self.port, **self._settings)
            self.logs.append(self._server.log)

    def errors(self) -> str:
        """Every run's log, if any of them has a traceback (an error the browser may never
        have shown); else nothing."""
        logged = ["".join(log) for log in self.logs]
        return "\n".join(logged) if any("Traceback" in log for log in logged) else ""


def log_in(page, panel_url: str, name: str, path: str = "/") -> None:
    """Log in through the login form as a person does, and land on ``path``."""
    page.goto(f"{panel_url}/login?{urlencode({'next': path})}")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{panel_url}{path}")


# Chromium also logs a CSP violation as a console error; this says which directive, to be sure.
_REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (event) =>
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`));"""


@dataclass
class ConsoleWatch:
    """What a page complained about: console errors (Content-Security-Policy violations among
    them) and uncaught script errors."""

    problems: list[str] = field(default_factory=list)

    @classmethod
    def on(cls, page) -> "ConsoleWatch":
        watch = cls()
        page.add_init_script(_REPORT_CSP_VIOLATIONS)
        page.on("console", watch._console_message)
        page.on("pageerror", lambda error: watch.problems.append(f"script: {error}"))
        return watch

    def _console_message(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")
