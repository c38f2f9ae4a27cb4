"""The model store: the served models, simulated downloads and the memory budget.

One lock guards the store. Progress frames are queued (never sent) while it is held, which keeps
every socket's frames in the same order as the state changes behind them.
"""

import copy
import threading
from dataclasses import dataclass, field

from .catalogue import initial_models
from .faults import FaultTable
from .progress import ProgressHub
from .validation import validate_model
from .wire import GIGABYTE, progress_frame, readable_bytes


class ModelNotFound(LookupError):
    """No model has this id."""


class ActionRefused(Exception):
    """The request was understood but refused; the message is the plain-text answer."""


@dataclass
class _Download:
    model_id: str
    fail_at_percentage: float | None
    stopped: threading.Event = field(default_factory=threading.Event)


def _name(model: dict) -> str:
    return str(model.get("name") or model.get("id"))


def _ram_bytes(model: dict) -> int:
    ram = model.get("ram")
    value = ram.get("value") if isinstance(ram, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class ModelStore:
    """Thread-safe store of the models, in the order `GET /models` serves them.

    Models are kept as wire dicts. `replace_all` may store anything (even non-objects), so
    every lookup and flag test here tolerates odd data.
    """

    def __init__(self, hub: ProgressHub, faults: FaultTable, *, download_seconds: float,
                 tick_seconds: float, memory_gb: float):
        self._hub = hub
        self._faults = faults
        self._download_seconds = download_seconds
        self._tick_seconds = tick_seconds
        self._memory_bytes = round(memory_gb * GIGABYTE)
        self._lock = threading.Lock()
        self._models: list = initial_models()
        self._downloads: dict[str, _Download] = {}

    # Reading

    def snapshot(self) -> list:
        with self._lock:
            return copy.deepcopy(self._models)

    def get(self, model_id: str) -> dict:
        with self._lock:
            return copy.deepcopy(self._find(model_id))

    def exists(self, model_id: str) -> bool:
        with self._lock:
            return self._index_of(model_id) is not None

    def _index_of(self, model_id: str) -> int | None:
        for index, model in enumerate(self._models):
            if isinstance(model, dict) and model.get("id") == model_id:
                return index
        return None

    def _find(self, model_id: str) -> dict:
        index = self._index_of(model_id)
        if index is None:
            raise ModelNotFound(model_id)
        return self._models[index]

    # Downloads

    def start_download(self, model_id: str) -> dict:
        with self._lock:
            model = self._find(model_id)
            self._refuse_cloud_or_denied(model, "downloaded")
            if model.get("downloaded") is True or model.get("downloading") is True:
                return copy.deepcopy(model)
            download = _Download(model_id, self._faults.take_download_failure())
            self._downloads[model_id] = download
            model["downloading"] = True
            self._hub.broadcast(model_id, progress_frame("INITIALIZED"))
            threading.Thread(
                target=self._run_download, args=(download,), daemon=True,
                name=f"simulated-download-{model_id}",
            ).start()
            return copy.deepcopy(model)

    def cancel_download(self, model_id: str) -> dict:
        with self._lock:
            model = self._find(model_id)
            running = self._downloads.pop(model_id, None)
            if running is None and model.get("downloading") is not True:
                return copy.deepcopy(model)
            if running is not None:
                running.stopped.set()
            self._end_download(model, "CANCELED", downloaded=False)
            return copy.deepcopy(model)

    def _run_download(self, download: _Download) -> None:
        """Background thread: one progress step per tick until done, failed or stopped."""
        steps = max(1, round(self._download_seconds / self._tick_seconds))
        for step in range(1, steps + 1):
            if download.stopped.wait(self._tick_seconds):
                return
            if not self._advance(download, round(100 * step / steps, 1)):
                return

    def _advance(self, download: _Download, percentage: float) -> bool:
        """Apply one step; False once the download is over (or was replaced or stopped)."""
        with self._lock:
            if self._downloads.get(download.model_id) is not download:
                return False
            index = self._index_of(download.model_id)
            if index is None:  # a test patched the model's id away
                del self._downloads[download.model_id]
                return False
            model = self._models[index]
            failing_at = download.fail_at_percentage
            if failing_at is not None and percentage >= failing_at:
                del self._downloads[download.model_id]
                self._end_download(model, "FAILED", downloaded=False)
                return False
            if percentage >= 100:
                del self._downloads[download.model_id]
                self._end_download(model, "COMPLETED", downloaded=True, percentage=100)
                return False
            self._hub.broadcast(download.model_id, progress_frame("IN-PROGRESS", percentage))
            return True

    def _end_download(self, model: dict, status: str, *, downloaded: bool,
                      percentage: float | None = None) -> None:
        model["downloading"] = False
        model["downloaded"] = downloaded
        self._hub.broadcast(model["id"], progress_frame(status, percentage))

    def stop_downloads(self) -> None:
        """Stop every running download without a word on the sockets."""
        with self._lock:
            self._stop_downloads_locked()

    def _stop_downloads_locked(self) -> None:
        for download in self._downloads.values():
            download.stopped.set()
        self._downloads.clear()

    # Memory

    def load(self, model_id: str) -> dict:
        with self._lock:
            model = self._find(model_id)
            self._refuse_cloud_or_denied(model, "loaded")
            if model.get("loaded") is True:
                return copy.deepcopy(model)
            if model.get("downloaded") is not True:
                raise ActionRefused(
                    f"{_name(model)} is not downloaded; download it before loading it."
                )
            self._refuse_beyond_budget(model)
            model["loaded"] = True
            return copy.deepcopy(model)

    def unload(self, model_id: str) -> dict:
        with self._lock:
            model = self._find(model_id)
            if model.get("loaded") is True:
                model["loaded"] = False
            return copy.deepcopy(model)

    def _refuse_beyond_budget(self, model: dict) -> None:
        in_use = sum(
            _ram_bytes(other)
            for other in self._models
            if isinstance(other, dict) and other.get("loaded") is True
        )
        free = self._memory_bytes - in_use
        needed = _ram_bytes(model)
        if needed > free:
            raise ActionRefused(
                f"Not enough memory to load {_name(model)}: it needs {readable_bytes(needed)}, "
                f"but only {readable_bytes(max(free, 0))} of {readable_bytes(self._memory_bytes)}"
                f" is free; {readable_bytes(needed - max(free, 0))} short."
            )

    @staticmethod
    def _refuse_cloud_or_denied(model: dict, action: str) -> None:
        if model.get("cloud") is True:
            raise ActionRefused(
                f"{_name(model)} is a cloud model; cloud models cannot be {action} locally."
            )
        if model.get("denied") is True:
            raise ActionRefused(f"{_name(model)} is denied for this user.")

    # Changes

    def update(self, body) -> dict:
        """Replace a custom model with `body`, keeping what only the server knows."""
        model = validate_model(body)
        with self._lock:
            index = self._index_of(model["id"])
            if index is None:
                raise ModelNotFound(model["id"])
            stored = self._models[index]
            if stored.get("custom") is not True:
                raise ActionRefused(
                    f"{_name(stored)} is not a custom model; only custom models can be updated."
                )
            for server_owned in ("custom", "downloaded", "downloading", "loaded"):
                model[server_owned] = stored.get(server_owned) is True
            self._models[index] = model
            return copy.deepcopy(model)

    def patch(self, model_id: str, changes: dict) -> dict:
        """Set keys on a model directly, as if another tool had changed it."""
        with self._lock:
            model = self._find(model_id)
            model.update(copy.deepcopy(changes))
            return copy.deepcopy(model)

    def replace_all(self, models: list) -> None:
        """Serve `models` as they are from now on (no validation); running downloads stop."""
        with self._lock:
            self._stop_downloads_locked()
            self._models = copy.deepcopy(models)

    def reset(self) -> None:
        """Back to a fresh catalogue with nothing downloading."""
        with self._lock:
            self._stop_downloads_locked()
            self._models = initial_models()
