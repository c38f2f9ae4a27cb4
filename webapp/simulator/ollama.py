"""Ollama, which runs every local model since Pieces OS 11: its state, as `OllamaStatus`, and
the routes that install, update and uninstall it (the SDK's `OllamaApi`).

While Ollama is missing, being installed or needs an update, local downloads and loads fail;
`GET /ollama/status` says which, and `WS /ollama/status/stream` pushes each change. An install
or update answers at once with its `OllamaDeployment` (whose `id` its cancel route takes) and
then moves on in steps, each pushed to the stream, as a download does.
"""

import json
import threading
import uuid
from dataclasses import dataclass, field

from .progress import ProgressHub, Subscription
from .wire import EMBEDDED_SCHEMA

STREAM_KEY = "ollama"
CURRENT_VERSION = "0.5.7"
OUTDATED_VERSION = "0.3.14"
#: States a test may set; those with a percentage need one.
STATES = ("installed", "missing", "installing", "update-required", "updating")
STATES_WITH_PERCENTAGE = ("installing", "updating")
#: What each kind of deployment starts from, and where it goes back to when it stops short.
DEPLOYMENTS = {"install": ("installing", "missing"), "update": ("updating", "update-required")}

_BLOCKING_REASONS = {
    "missing": "Ollama is not installed; local models need Ollama to download and run.",
    "installing": "Ollama is being installed ({percentage}%); local models are unavailable "
    "until it is done.",
    "update-required": f"Ollama {OUTDATED_VERSION} is outdated; update it to {CURRENT_VERSION} "
    "to use local models.",
    "updating": "Ollama is being updated ({percentage}%); local models are unavailable until "
    "it is done.",
}


class DeploymentRefused(Exception):
    """An install, update, uninstall or cancel that does not apply now (a 500, as text)."""


def _deployment(
    version: str,
    status: str | None = None,
    percentage: float | None = None,
    *,
    identifier: str | None = None,
    user_managed: bool = False,
) -> dict:
    deployment: dict = {"version": version, "userManaged": user_managed, "schema": EMBEDDED_SCHEMA}
    if identifier is not None:
        deployment["id"] = identifier
    if status is not None:
        deployment["status"] = status
    if percentage is not None:
        deployment["percentage"] = percentage
    return deployment


@dataclass
class OllamaState:
    """What `OllamaStatus` is made of; `running_id` names the install or update under way."""

    state: str
    percentage: float | None = None
    running_id: str | None = None
    inference_recommended: bool = True
    user_managed: bool = False  # a required update is the user's to make, by hand

    def status(self) -> dict:
        """The `OllamaStatus` the real server sends (keys absent where it has none)."""
        state, percentage = self.state, self.percentage
        status: dict = {
            "recommendation": {"inference": self.inference_recommended, "schema": EMBEDDED_SCHEMA},
            "schema": EMBEDDED_SCHEMA,
        }
        if state == "installed":
            status["installation"] = _deployment(CURRENT_VERSION, "COMPLETED")
        elif state == "installing":
            status["installing"] = self.running(percentage)
        elif state in ("update-required", "updating"):
            status["installation"] = _deployment(OUTDATED_VERSION, "COMPLETED")
            if state == "updating":
                status["updating"] = self.running(percentage)
            else:
                status["updateRequired"] = _deployment(
                    CURRENT_VERSION, user_managed=self.user_managed
                )
        return status

    def running(self, percentage: float | None, status: str = "IN-PROGRESS") -> dict:
        return _deployment(CURRENT_VERSION, status, percentage, identifier=self.running_id)

    @property
    def installed_version(self) -> str | None:
        return {"installed": CURRENT_VERSION, "update-required": OUTDATED_VERSION}.get(self.state)


@dataclass
class _Job:
    kind: str  # "install" or "update"
    identifier: str
    fail_at_percentage: float | None
    step: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)


class Ollama:
    """The simulated Ollama's state; every change is pushed to the status stream. An install
    or update takes `deploy_seconds`, in steps of `tick_seconds`."""

    def __init__(
        self,
        streams: ProgressHub,
        initial_state: str = "installed",
        *,
        deploy_seconds: float = 20.0,
        tick_seconds: float = 0.2,
    ):
        if initial_state not in STATES or initial_state in STATES_WITH_PERCENTAGE:
            raise ValueError("ollama must be one of: installed, missing, update-required.")
        self._streams = streams
        self._initial_state = initial_state
        self._steps = max(1, round(deploy_seconds / tick_seconds))
        self._tick_seconds = tick_seconds
        self._lock = threading.Lock()
        self._current = OllamaState(initial_state)
        self._job: _Job | None = None
        self._fail_next_at: float | None = None

    def status(self) -> dict:
        with self._lock:
            return self._current.status()

    def set(
        self,
        state: str | None = None,
        percentage: float | None = None,
        **advice: bool,
    ) -> dict:
        """Change the state and/or `inference_recommended`, `user_managed` (the caller checked
        the values), and push the new status. A deployment set this way stands still."""
        with self._lock:
            if state is not None:
                self._stop_job()
                identifier = str(uuid.uuid4()) if state in STATES_WITH_PERCENTAGE else None
                self._current.state, self._current.percentage = state, percentage
                self._current.running_id = identifier
            for name, value in advice.items():
                setattr(self._current, name, value)
            return self._push()

    def fail_next(self, at_percentage: float) -> None:
        """Make the next install or update fail once it reaches `at_percentage`."""
        with self._lock:
            self._fail_next_at = at_percentage

    def subscribe(self) -> Subscription:
        """A stream subscription whose first frame is the status at connect time."""
        with self._lock:
            return self._streams.subscribe(STREAM_KEY, (json.dumps(self._current.status()),))

    def blocking_reason(self) -> str | None:
        """Why local models cannot be downloaded or loaded now, or None if they can."""
        with self._lock:
            reason = _BLOCKING_REASONS.get(self._current.state)
            return reason and reason.format(percentage=self._current.percentage)

    def reset(self) -> None:
        with self._lock:
            self._stop_job()
            self._current = OllamaState(self._initial_state)
            self._fail_next_at = None
            self._push()

    def stop(self) -> None:
        with self._lock:
            self._stop_job()

    # The routes

    def install(self) -> dict:
        """`POST /ollama/install`: start installing; an install under way is answered again."""
        with self._lock:
            if self._current.state in ("installed", "update-required", "updating"):
                version = self._current.installed_version or OUTDATED_VERSION
                raise DeploymentRefused(f"Ollama {version} is already installed.")
            return self._start("install")

    def update(self, body: object) -> dict:
        """`POST /ollama/update` with the `OllamaDeployment` to update to (its version)."""
        version = _version_of(body)
        with self._lock:
            state = self._current.state
            if state == "updating":
                return self._current.running(self._current.percentage)
            if state != "update-required":
                raise DeploymentRefused(
                    "Ollama is not installed; install it first."
                    if state in ("missing", "installing")
                    else f"Ollama {CURRENT_VERSION} is up to date; there is nothing to update."
                )
            if self._current.user_managed:
                raise DeploymentRefused(
                    "Ollama is managed by the user: update it yourself, outside Pieces OS."
                )
            if version != CURRENT_VERSION:
                raise DeploymentRefused(
                    f"Ollama cannot be updated to {version}: the version available is "
                    f"{CURRENT_VERSION}."
                )
            return self._start("update")

    def uninstall(self, body: object) -> dict:
        """`POST /ollama/uninstall` with the installation to remove (its version)."""
        version = _version_of(body)
        with self._lock:
            installed = self._current.installed_version
            if self._current.state in STATES_WITH_PERCENTAGE:
                raise DeploymentRefused(
                    f"Ollama is {self._current.state}; cancel that or wait before uninstalling."
                )
            if installed is None or version != installed:
                raise DeploymentRefused(f"There is no installation of Ollama {version} here.")
            self._current.state, self._current.percentage = "missing", None
            self._push()
            return _deployment(installed, "COMPLETED")

    def cancel(self, kind: str, identifier: str) -> dict:
        """`POST /ollama/{install,update}/{identifier}/cancel`."""
        with self._lock:
            running, back_to = DEPLOYMENTS[kind]
            current = self._current
            if current.state != running or current.running_id != identifier:
                raise DeploymentRefused(f"No {kind} of Ollama in progress has the id {identifier}.")
            cancelled = current.running(current.percentage, "CANCELED")
            self._stop_job()
            current.state, current.percentage, current.running_id = back_to, None, None
            self._push()
            return cancelled

    # Deployments under way (under the lock)

    def _start(self, kind: str) -> dict:
        running, _back_to = DEPLOYMENTS[kind]
        if self._current.state == running:  # asked again: the same one
            return self._current.running(self._current.percentage)
        job = _Job(kind, str(uuid.uuid4()), self._fail_next_at)
        self._fail_next_at = None
        self._job = job
        self._current.state, self._current.percentage = running, 0.0
        self._current.running_id = job.identifier
        self._push()
        threading.Thread(
            target=self._run, args=(job,), daemon=True, name=f"simulated-ollama-{kind}"
        ).start()
        return self._current.running(0.0, "INITIALIZED")

    def _run(self, job: _Job) -> None:
        while not job.stopped.wait(self._tick_seconds):
            with self._lock:
                if self._job is not job:
                    return
                job.step += 1
                percentage = round(100 * job.step / self._steps, 1)
                failing_at = job.fail_at_percentage
                failing = failing_at is not None and percentage >= failing_at
                if failing or percentage >= 100:
                    self._job = None
                    _running, back_to = DEPLOYMENTS[job.kind]
                    self._current.state = back_to if failing else "installed"
                    self._current.percentage = self._current.running_id = None
                    self._push()
                    return
                self._current.percentage = percentage
                self._push()

    def _stop_job(self) -> None:
        if self._job is not None:
            self._job.stopped.set()
            self._job = None

    def _push(self) -> dict:
        status = self._current.status()
        self._streams.broadcast(STREAM_KEY, json.dumps(status))
        return status


def _version_of(body: object) -> str:
    """The `version` an `OllamaDeployment` body must carry (the SDK requires it)."""
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(version, str) or not version.strip():
        raise DeploymentRefused("invalid body: an OllamaDeployment needs a version (a string).")
    return version
