"""The model store: the served models, simulated downloads and the memory budget.

One lock guards the store. Progress frames and change notices are queued (never sent) while it
is held, which keeps every socket's frames in the same order as the state changes behind them.
"""

import copy
import threading
import time
import uuid
from dataclasses import dataclass, field

from .behaviour import BehaviourSwitches
from .catalogue import initial_models
from .faults import FaultTable
from .identifiers import ChangeFeed
from .ollama import Ollama
from .progress import ProgressHub, Subscription
from .validation import validate_model, validate_seeded_model
from .wire import GIGABYTE, progress_frame, readable_bytes

TERMINAL_STATUSES = ("COMPLETED", "FAILED", "CANCELED")


class ModelNotFound(LookupError):
    """No model has this id."""


class ActionRefused(Exception):
    """The request was understood but refused; the message is the plain-text answer."""


@dataclass
class _Download:
    """A running download; `step` counts its ticks (back to 0 when it restarts)."""

    model_id: str
    fail_at_percentage: float | None
    starts_late: bool = False
    step: int = 0
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

    def __init__(
        self,
        hub: ProgressHub,
        faults: FaultTable,
        behaviour: BehaviourSwitches,
        ollama: Ollama,
        changes: ChangeFeed,
        *,
        download_seconds: float,
        tick_seconds: float,
        memory_gb: float,
    ):
        self._hub = hub
        self._faults = faults
        self._behaviour = behaviour
        self._ollama = ollama
        self._changes = changes
        self._download_seconds = download_seconds
        self._tick_seconds = tick_seconds
        self._memory_bytes = round(memory_gb * GIGABYTE)
        self._lock = threading.Lock()
        self._models: list = initial_models()
        self._downloads: dict[str, _Download] = {}
        #: The last frame of each model's most recent download that ended.
        self._last_outcomes: dict[str, str] = {}

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

    def subscribe_progress(self, model_id: str) -> Subscription:
        """A progress socket of the model; with `replays_last_status`, it first gets the last
        status of the download that ended most recently (stale for any download now running)."""
        with self._lock:
            stale = self._last_outcomes.get(model_id)
            replay = self._behaviour.current.replays_last_status
            return self._hub.subscribe(model_id, (stale,) if replay and stale is not None else ())

    def subscribe_identifiers(self) -> Subscription:
        """A socket of the changed model ids; with `identifiers_snapshot`, first the id of
        every model served now (taken with the lock held: no change falls between)."""
        with self._lock:
            if not self._behaviour.current.identifiers_snapshot:
                return self._changes.subscribe()
            ids = [
                model["id"]
                for model in self._models
                if isinstance(model, dict) and isinstance(model.get("id"), str)
            ]
            return self._changes.subscribe(ids)

    def start_download(self, model_id: str) -> dict:
        with self._lock:
            model = self._find(model_id)
            self._refuse_unavailable(model, "downloaded")
            if (
                model.get("downloaded") is True
                or model.get("downloading") is True
                or model_id in self._downloads
            ):
                return copy.deepcopy(model)
            if self._behaviour.current.download_finds_files:
                model["downloaded"] = True
                self._changes.changed(model_id)
                return copy.deepcopy(model)
            starts_late = self._behaviour.current.download_answer_lags
            download = _Download(model_id, self._faults.take_download_failure(), starts_late)
            self._downloads[model_id] = download
            answer = copy.deepcopy(model)  # with `downloading` as it was, when the start lags
            if not starts_late:
                self._mark_started(model)
                answer = copy.deepcopy(model)
            threading.Thread(
                target=self._run_download,
                args=(download,),
                daemon=True,
                name=f"simulated-download-{model_id}",
            ).start()
            return answer

    def _mark_started(self, model: dict) -> None:
        model["downloading"] = True
        self._hub.broadcast(model["id"], progress_frame("INITIALIZED"))
        self._changes.changed(model["id"])

    def cancel_download(self, model_id: str) -> dict:
        with self._lock:
            model = self._find(model_id)
            running = self._downloads.get(model_id)
            if running is not None and self._behaviour.current.cancel_is_ignored:
                return copy.deepcopy(model)
            self._downloads.pop(model_id, None)
            if running is None and model.get("downloading") is not True:
                return copy.deepcopy(model)
            if running is not None:
                running.stopped.set()
            self._end_download(model, "CANCELED", downloaded=False)
            return copy.deepcopy(model)

    def fail_running_download(self, model_id: str, at_percentage: float) -> None:
        """Make the model's running download fail once it reaches `at_percentage`."""
        with self._lock:
            self._running(model_id).fail_at_percentage = at_percentage

    def restart_running_download(self, model_id: str) -> None:
        """Restart the model's running download from 0 % on the same sockets: RESET, then
        INITIALIZED, then low percentages again."""
        with self._lock:
            self._running(model_id).step = 0
            self._hub.broadcast(model_id, progress_frame("RESET"))
            self._hub.broadcast(model_id, progress_frame("INITIALIZED"))

    def _running(self, model_id: str) -> _Download:
        self._find(model_id)
        download = self._downloads.get(model_id)
        if download is None:
            raise ActionRefused("nothing is downloading for this model.")
        return download

    def _run_download(self, download: _Download) -> None:
        """Background thread: one progress step per tick until done, failed or stopped."""
        if download.starts_late:
            if download.stopped.wait(self._tick_seconds) or not self._start_late(download):
                return
        while not download.stopped.wait(self._tick_seconds):
            if not self._advance(download):
                return

    def _start_late(self, download: _Download) -> bool:
        with self._lock:
            model = self._model_still_downloading(download)
            if model is None:
                return False
            self._mark_started(model)
            return True

    def _model_still_downloading(self, download: _Download) -> dict | None:
        """(Under the lock.) The model of ``download`` if that download still runs."""
        if self._downloads.get(download.model_id) is not download:
            return None
        index = self._index_of(download.model_id)
        if index is None:  # a test patched the model's id away
            del self._downloads[download.model_id]
            return None
        return self._models[index]

    def _advance(self, download: _Download) -> bool:
        """Apply one step; False once the download is over (or was replaced or stopped)."""
        with self._lock:
            model = self._model_still_downloading(download)
            if model is None:
                return False
            download.step += 1
            steps = max(1, round(self._download_seconds / self._tick_seconds))
            percentage = round(100 * download.step / steps, 1)
            failing_at = download.fail_at_percentage
            if failing_at is not None and percentage >= failing_at:
                del self._downloads[download.model_id]
                self._end_download(model, "FAILED", downloaded=False)
                return False
            if percentage >= 100:
                del self._downloads[download.model_id]
                self._end_download(model, "COMPLETED", downloaded=True, percentage=100)
                return False
            status = self._behaviour.current.progress_status
            self._hub.broadcast(download.model_id, progress_frame(status, percentage))
            return True

    def _end_download(
        self, model: dict, status: str, *, downloaded: bool, percentage: float | None = None
    ) -> None:
        model["downloading"] = False
        model["downloaded"] = downloaded
        frame = progress_frame(status, percentage)
        self._last_outcomes[model["id"]] = frame
        self._hub.broadcast(model["id"], frame)
        self._changes.changed(model["id"])

    def stop_downloads(self) -> None:
        """Stop every running download without a word on the sockets."""
        with self._lock:
            self._stop_downloads_locked()

    def _stop_downloads_locked(self) -> None:
        for download in self._downloads.values():
            download.stopped.set()
        self._downloads.clear()

    def delete_cache(self, model_id: str) -> str:
        """Delete a local model's downloaded files; refused while it is in use."""
        with self._lock:
            model = self._find(model_id)
            if model.get("cloud") is True:
                raise ActionRefused(f"{_name(model)} is a cloud model; it has no local files.")
            in_use = (model.get("loaded"), model.get("downloading"), model_id in self._downloads)
            if True in in_use:
                raise ActionRefused(
                    f"{_name(model)} is loaded or downloading; unload it or cancel its "
                    "download before deleting its files."
                )
            if model.get("downloaded") is True:
                model["downloaded"] = False
                self._changes.changed(model_id)
            return model_id

    # Memory

    def load(self, model_id: str) -> dict:
        """Load a model; with `load_seconds`, only after that long (even if the client left)."""
        load_seconds = self._behaviour.current.load_seconds
        if load_seconds:
            with self._lock:
                self._refuse_unloadable(self._find(model_id))
            time.sleep(load_seconds)
        with self._lock:
            model = self._find(model_id)
            self._refuse_unloadable(model)
            if model.get("loaded") is not True:
                self._refuse_beyond_budget(model)
                model["loaded"] = True
                self._changes.changed(model_id)
            return copy.deepcopy(model)

    def _refuse_unloadable(self, model: dict) -> None:
        self._refuse_unavailable(model, "loaded")
        if model.get("loaded") is not True and model.get("downloaded") is not True:
            raise ActionRefused(f"{_name(model)} is not downloaded; download it before loading it.")

    def unload(self, model_id: str) -> dict:
        with self._lock:
            model = self._find(model_id)
            if model.get("loaded") is True:
                model["loaded"] = False
                self._changes.changed(model_id)
            return copy.deepcopy(model)

    def unload_all(self) -> None:
        with self._lock:
            loaded = [m for m in self._models if isinstance(m, dict) and m.get("loaded") is True]
            for model in loaded:
                model["loaded"] = False
            self._changes.changed(*(model["id"] for model in loaded))

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

    def _refuse_unavailable(self, model: dict, action: str) -> None:
        """Refuse cloud and denied models, and local ones while Ollama cannot run them."""
        if model.get("cloud") is True:
            raise ActionRefused(
                f"{_name(model)} is a cloud model; cloud models cannot be {action} locally."
            )
        if model.get("denied") is True:
            raise ActionRefused(f"{_name(model)} is denied for this user.")
        reason = self._ollama.blocking_reason()
        if reason is not None:
            raise ActionRefused(f"{_name(model)} cannot be {action}: {reason}")

    # Changes

    def update(self, body: object) -> dict:
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
            self._changes.changed(model["id"])
            return copy.deepcopy(model)

    def create(self, body: object) -> dict:
        """Add a custom model from a `SeededModel`; a second model of the same name is refused."""
        model = {"id": str(uuid.uuid4()), **validate_seeded_model(body)}
        model.update(
            custom=True, downloaded=model.get("downloaded") is True, downloading=False, loaded=False
        )
        with self._lock:
            if any(
                isinstance(other, dict) and other.get("name") == model["name"]
                for other in self._models
            ):
                raise ActionRefused(f"a model named {model['name']} already exists.")
            self._models.append(model)
            self._changes.changed(model["id"])
            return copy.deepcopy(model)

    def delete(self, model_id: str) -> None:
        """Delete a custom model, stopping its download and freeing its memory."""
        with self._lock:
            model = self._find(model_id)
            if model.get("custom") is not True:
                raise ActionRefused(
                    f"{_name(model)} is not a custom model; only custom models can be deleted."
                )
            running = self._downloads.pop(model_id, None)
            if running is not None:
                running.stopped.set()
            self._models.remove(model)
            self._changes.deleted(model_id)

    def patch(self, model_id: str, changes: dict) -> dict:
        """Set keys on a model directly, as if another tool had changed it."""
        with self._lock:
            model = self._find(model_id)
            model.update(copy.deepcopy(changes))
            self._changes.changed(model_id)
            return copy.deepcopy(model)

    def add_raw(self, model: object) -> int:
        """Serve one more raw model object as-is (no validation); returns the new count."""
        with self._lock:
            self._models.append(copy.deepcopy(model))
            return len(self._models)

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
