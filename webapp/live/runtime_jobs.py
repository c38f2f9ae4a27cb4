"""An install or update of the local runtime (Ollama) asked through the panel, followed until
Pieces OS's status says how it ended, and logged then (in the loop only).

Pieces OS answers an install or update at once and then reports its progress in
``OllamaStatus`` (pushed on ``/ollama/status/stream``): the job ends when the status no longer
shows it under way. Ollama installed (or at the new version) is success; back to where it
started is a cancel (when somebody asked for one) or a failure, which Pieces OS does not
explain. Until the status has shown the job under way, a status without it may be older than
the request: the job waits ``START_GRACE_SECONDS`` before it reads that as the end.
"""

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..pieces.runtime import (
    INSTALLING,
    READY,
    UNKNOWN,
    UPDATE_REQUIRED,
    UPDATING,
    LocalRuntime,
)

if TYPE_CHECKING:
    from .host import LiveHost

START_GRACE_SECONDS = 30.0
RUNNING_STATE = {"install": INSTALLING, "update": UPDATING}
NOUNS = {"install": "install", "update": "update"}


@dataclass(frozen=True)
class RuntimeJob:
    """An install or update asked by ``by``, logged as entry ``entry_id``."""

    kind: str  # "install" or "update"
    by: str
    entry_id: int
    since: float
    answered: bool = False  # Pieces OS accepted it
    seen_running: bool = False
    percentage: float | None = None
    cancel_by: str | None = None


class RuntimeJobs:
    def __init__(self, host: "LiveHost"):
        self.host = host
        self.state = host.state

    def started(self, kind: str, by: str, entry_id: int) -> None:
        """Somebody asks Pieces OS for an install or update (not answered yet)."""
        self.state.runtime_job = RuntimeJob(kind, by, entry_id, self.host.now())
        self.host.publish.machine()

    def answered(self) -> None:
        """Pieces OS accepted it: from now on a status that does not show it may be its end."""
        job = self.state.runtime_job
        if job is not None:
            self.state.runtime_job = replace(job, answered=True, since=self.host.now())

    def dropped(self) -> None:
        """Pieces OS refused it, or never answered: there is nothing to follow."""
        if self.state.runtime_job is not None:
            self.state.runtime_job = None
            self.host.publish.machine()

    def cancel_asked(self, by: str | None) -> None:
        job = self.state.runtime_job
        if job is not None:
            self.state.runtime_job = replace(job, cancel_by=by)

    def runtime_heard(self, runtime: LocalRuntime) -> None:
        """A new status: the job under way moved on, or ended."""
        job = self.state.runtime_job
        if job is None or runtime.state == UNKNOWN:
            return
        if runtime.state == RUNNING_STATE[job.kind]:
            self.state.runtime_job = replace(job, seen_running=True, percentage=runtime.percentage)
        elif self._succeeded(job, runtime):
            version = f" {runtime.version}" if runtime.version else ""
            if job.kind == "install":
                self._settle("ok", f"Ollama{version} installed.")
            else:
                self._settle("ok", f"Ollama updated{' to' + version if version else ''}.")
        elif job.seen_running:
            self._ended_short(job)

    def tick(self) -> None:
        """A job answered long ago that the status never showed under way has ended."""
        job = self.state.runtime_job
        if (
            job is not None
            and job.answered
            and not job.seen_running
            and self.host.now() - job.since > START_GRACE_SECONDS
        ):
            self._ended_short(job)

    def lost(self, why: str) -> None:
        """Pieces OS restarted: whatever it was doing is no longer followed."""
        job = self.state.runtime_job
        if job is not None:
            self._settle("failed", f"The {NOUNS[job.kind]} of Ollama was lost: {why}.")

    @staticmethod
    def _succeeded(job: RuntimeJob, runtime: LocalRuntime) -> bool:
        if job.kind == "install":
            return runtime.state in (READY, UPDATE_REQUIRED)
        return runtime.state == READY

    def _ended_short(self, job: RuntimeJob) -> None:
        at = f" at {job.percentage:.0f} %" if job.percentage is not None else ""
        noun = NOUNS[job.kind]
        if job.cancel_by:
            self._settle("cancelled", f"The {noun} of Ollama was cancelled by {job.cancel_by}{at}.")
            return
        where = "Ollama is not installed" if job.kind == "install" else "Ollama still needs it"
        self._settle(
            "failed",
            f"The {noun} of Ollama stopped{at} without finishing ({where}); Pieces OS does "
            "not say why.",
        )

    def _settle(self, outcome: str, detail: str) -> None:
        job = self.state.runtime_job
        if job is None:
            return
        self.state.runtime_job = None
        self.host.journal.settle(job.entry_id, outcome, detail)
        self.host.publish.machine()
