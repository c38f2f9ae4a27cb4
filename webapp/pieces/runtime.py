"""The local runtime: since Pieces OS 11 every local model runs through Ollama, so while Ollama
is missing, being installed or updated, or needs an update, local downloads and loads fail.
``GET /ollama/status`` (``OllamaStatus``) says which; this reads it as one state."""

from dataclasses import dataclass

from .model import finite_number

READY = "ready"
MISSING = "missing"
INSTALLING = "installing"
UPDATING = "updating"
UPDATE_REQUIRED = "update required"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class LocalRuntime:
    """Ollama as Pieces OS reports it: a state, its version, and the progress of an install or
    update (0-100) when one runs."""

    state: str
    version: str | None = None
    percentage: float | None = None

    @property
    def blocks_local_models(self) -> bool:
        return self.state in (MISSING, INSTALLING, UPDATING, UPDATE_REQUIRED)

    @property
    def explanation(self) -> str | None:
        """Why local models cannot be downloaded or loaded now, for a person; None if they can."""
        progress = f" ({self.percentage:.0f} %)" if self.percentage is not None else ""
        return {
            MISSING: "Ollama, which runs local models, is not installed in Pieces OS.",
            INSTALLING: f"Pieces OS is installing Ollama, which runs local models{progress}.",
            UPDATING: f"Pieces OS is updating Ollama, which runs local models{progress}.",
            UPDATE_REQUIRED: "Ollama, which runs local models, needs an update in Pieces OS.",
        }.get(self.state)

    @classmethod
    def from_raw(cls, raw: object) -> "LocalRuntime":
        """Read an ``OllamaStatus``; anything unexpected reads as an unknown state."""
        if not isinstance(raw, dict):
            return cls(UNKNOWN)
        for key, state in (
            ("installing", INSTALLING),
            ("updating", UPDATING),
            ("updateRequired", UPDATE_REQUIRED),
        ):
            deployment = _deployment(raw.get(key))
            if deployment is not None:
                installed = _deployment(raw.get("installation"))
                version = installed[0] if installed and state != INSTALLING else deployment[0]
                return cls(state, version, deployment[1])
        installed = _deployment(raw.get("installation"))
        if installed is not None:
            return cls(READY, installed[0])
        return cls(MISSING)


def _deployment(raw: object) -> tuple[str | None, float | None] | None:
    """An ``OllamaDeployment``'s version and percentage; None when absent."""
    if not isinstance(raw, dict):
        return None
    version = raw.get("version")
    percentage = finite_number(raw.get("percentage"))
    return (
        version[:40] if isinstance(version, str) else None,
        min(100.0, max(0.0, float(percentage))) if percentage is not None else None,
    )
