"""Switches for the ways the real Pieces OS behaves that the contract leaves open or warns about.

Every switch's default keeps the simulator's plain behaviour. `create_simulator_app(**switches)`
sets the values a simulator starts (and resets) with; `PATCH /__sim/behaviour` changes them
while it runs. Values are checked here, once, for both.
"""

import threading
from dataclasses import asdict, dataclass, fields, replace
from numbers import Real

#: Upper bound on a simulated wait (a load, a download's answer), so a typo cannot hang a test
#: run for hours.
MAX_WAIT_SECONDS = 120


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


BOOLEAN_SWITCHES = (
    "download_answer_lags",
    "replays_last_status",
    "cancel_is_ignored",
    "download_finds_files",
    "identifiers_snapshot",
    "unknown_id_answers_500",
    "errors_with_stack_trace",
)


@dataclass(frozen=True)
class Behaviour:
    #: What `GET /.well-known/version` answers.
    version: str = "12.3.11"
    #: How long `POST /model/{id}/load` takes before it answers (large local models: 10 s+).
    load_seconds: float = 0.0
    #: The status of the frames between INITIALIZED and the end; e.g. `DOWNLOADING` or
    #: `IN_PROGRESS`, which the official SDK decodes as UNKNOWN (keeping the percentage).
    progress_status: str = "IN-PROGRESS"
    #: `POST /model/{id}/download` answers `downloading: false`; the download starts one tick
    #: later, as a server still setting it up would.
    download_answer_lags: bool = False
    #: A progress socket opened after a download ended first gets that download's last status
    #: (a stale FAILED, CANCELED or COMPLETED), before any frame of the current attempt.
    replays_last_status: bool = False
    #: Cancel answers 200 while the model keeps `downloading: true` and the download goes on.
    cancel_is_ignored: bool = False
    #: How long `POST /model/{id}/download` takes to answer, the download running meanwhile
    #: (the official C# client polls `GET /model/{id}` rather than trust that answer).
    download_answer_seconds: float = 0.0
    #: `POST /model/{id}/download` finds the model's files already there: it answers
    #: `downloaded: true` at once and nothing is downloaded (the C# client's "already
    #: downloaded").
    download_finds_files: bool = False
    #: `/models/stream/identifiers` first sends every model's id (a snapshot), as the official
    #: SDK's identifier streams do; later frames name only what changed.
    identifiers_snapshot: bool = True
    #: The action routes answer 500 for an unknown id (the SDK declares 410 for
    #: `GET /model/{id}` alone).
    unknown_id_answers_500: bool = False
    #: Every 500 answer carries a Dart stack trace after its message, as exceptions of the real
    #: server do.
    errors_with_stack_trace: bool = False

    def __post_init__(self) -> None:
        for name in ("version", "progress_status"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string.")
        for name in ("load_seconds", "download_answer_seconds"):
            value = getattr(self, name)
            if not _is_number(value) or not 0 <= value <= MAX_WAIT_SECONDS:
                raise ValueError(f"{name} must be a number from 0 to {MAX_WAIT_SECONDS}.")
        for name in BOOLEAN_SWITCHES:
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a boolean.")

    def as_json(self) -> dict:
        return asdict(self)


SWITCH_NAMES = frozenset(field.name for field in fields(Behaviour))


class BehaviourSwitches:
    """The behaviour in force, changed as a whole so readers never see half a change."""

    def __init__(self, initial: Behaviour):
        self._initial = initial
        self._current = initial
        self._lock = threading.Lock()

    @property
    def current(self) -> Behaviour:
        return self._current

    def change(self, changes: dict) -> Behaviour:
        """Apply `changes` (switch name to value); ValueError names a bad one."""
        unknown = sorted(set(changes) - SWITCH_NAMES)
        if unknown:
            raise ValueError(f"unknown switches: {', '.join(unknown)}.")
        with self._lock:
            self._current = replace(self._current, **changes)
            return self._current

    def reset(self) -> None:
        with self._lock:
            self._current = self._initial
