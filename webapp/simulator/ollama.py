"""Ollama, which runs every local model since Pieces OS 11: its state, as `OllamaStatus`.

While Ollama is missing, being installed or needs an update, local downloads and loads fail;
`GET /ollama/status` says which, and `WS /ollama/status/stream` pushes each change.
"""

import json
import threading

from .progress import ProgressHub, Subscription
from .wire import EMBEDDED_SCHEMA

STREAM_KEY = "ollama"
CURRENT_VERSION = "0.5.7"
OUTDATED_VERSION = "0.3.14"
#: States a test may set; those with a percentage need one.
STATES = ("installed", "missing", "installing", "update-required", "updating")
STATES_WITH_PERCENTAGE = ("installing", "updating")

_BLOCKING_REASONS = {
    "missing": "Ollama is not installed; local models need Ollama to download and run.",
    "installing": "Ollama is being installed ({percentage}%); local models are unavailable "
    "until it is done.",
    "update-required": f"Ollama {OUTDATED_VERSION} is outdated; update it to {CURRENT_VERSION} "
    "to use local models.",
    "updating": "Ollama is being updated ({percentage}%); local models are unavailable until "
    "it is done.",
}


def _deployment(version: str, status: str | None = None, percentage: float | None = None) -> dict:
    deployment = {"version": version, "userManaged": False, "schema": EMBEDDED_SCHEMA}
    if status is not None:
        deployment["status"] = status
    if percentage is not None:
        deployment["percentage"] = percentage
    return deployment


def ollama_status(state: str, percentage: float | None) -> dict:
    """The `OllamaStatus` the real server sends in `state` (keys absent where it has none)."""
    status: dict = {
        "recommendation": {"inference": state == "installed"},
        "schema": EMBEDDED_SCHEMA,
    }
    if state == "installed":
        status["installation"] = _deployment(CURRENT_VERSION, "COMPLETED")
    elif state == "installing":
        status["installing"] = _deployment(CURRENT_VERSION, "IN-PROGRESS", percentage)
    elif state == "update-required":
        status["installation"] = _deployment(OUTDATED_VERSION, "COMPLETED")
        status["updateRequired"] = _deployment(CURRENT_VERSION)
    elif state == "updating":
        status["installation"] = _deployment(OUTDATED_VERSION, "COMPLETED")
        status["updating"] = _deployment(CURRENT_VERSION, "IN-PROGRESS", percentage)
    return status


class Ollama:
    """The simulated Ollama's state; every change is pushed to the status stream."""

    def __init__(self, streams: ProgressHub, initial_state: str = "installed"):
        if initial_state not in STATES or initial_state in STATES_WITH_PERCENTAGE:
            raise ValueError("ollama must be one of: installed, missing, update-required.")
        self._streams = streams
        self._initial_state = initial_state
        self._lock = threading.Lock()
        self._state = initial_state
        self._percentage: float | None = None

    def status(self) -> dict:
        with self._lock:
            return ollama_status(self._state, self._percentage)

    def set(self, state: str, percentage: float | None = None) -> dict:
        """Change the state (the caller checked the values) and push the new status."""
        with self._lock:
            self._state, self._percentage = state, percentage
            status = ollama_status(state, percentage)
            self._streams.broadcast(STREAM_KEY, json.dumps(status))
            return status

    def subscribe(self) -> Subscription:
        """A stream subscription whose first frame is the status at connect time."""
        with self._lock:
            first = json.dumps(ollama_status(self._state, self._percentage))
            return self._streams.subscribe(STREAM_KEY, (first,))

    def blocking_reason(self) -> str | None:
        """Why local models cannot be downloaded or loaded now, or None if they can."""
        with self._lock:
            reason = _BLOCKING_REASONS.get(self._state)
            return reason and reason.format(percentage=self._percentage)

    def reset(self) -> None:
        self.set(self._initial_state)
