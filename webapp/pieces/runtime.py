"""The local runtime: since Pieces OS 11 every local model runs through Ollama, so while Ollama
is missing, being installed or updated, or needs an update, local downloads and loads fail.
``GET /ollama/status`` (``OllamaStatus``) says which; this reads it as one state, with what
else it says: whether Pieces OS recommends local inference on this machine at all
(``recommendation.inference``), and whether a required update is the user's to make
(``updateRequired.userManaged``)."""

from dataclasses import dataclass, replace

from .model import finite_number

READY = "ready"
MISSING = "missing"
INSTALLING = "installing"
UPDATING = "updating"
UPDATE_REQUIRED = "update required"
UNKNOWN = "unknown"
MAX_ID = 200


@dataclass(frozen=True)
class Deployment:
    """An ``OllamaDeployment``: a version of Ollama installed, being installed or updated to,
    or required; ``id`` names an install or update under way (its cancel route takes it)."""

    version: str | None
    id: str | None = None
    percentage: float | None = None
    user_managed: bool = False

    @classmethod
    def from_raw(cls, raw: object) -> "Deployment | None":
        """None when absent (or not an object)."""
        if not isinstance(raw, dict):
            return None
        version, identifier = raw.get("version"), raw.get("id")
        percentage = finite_number(raw.get("percentage"))
        return cls(
            version[:40] if isinstance(version, str) and version.strip() else None,
            identifier if isinstance(identifier, str) and 0 < len(identifier) <= MAX_ID else None,
            min(100.0, max(0.0, float(percentage))) if percentage is not None else None,
            raw.get("userManaged") is True,
        )


@dataclass(frozen=True)
class LocalRuntime:
    """Ollama as Pieces OS reports it: a state, its version, the progress of an install or
    update (0-100) when one runs, and what Pieces OS says around it."""

    state: str
    version: str | None = None
    percentage: float | None = None
    #: ``recommendation.inference``: False when Pieces OS advises against running local models
    #: on this machine (None: it does not say).
    inference_recommended: bool | None = None
    #: The required update is the user's to make, by hand (``updateRequired.userManaged``).
    user_managed: bool = False
    #: The install or update under way (its id is what cancelling it takes).
    running: Deployment | None = None
    #: The version an update would bring (``updateRequired.version``).
    update_version: str | None = None
    #: The installation (uninstalling takes it back as its body).
    installation: Deployment | None = None

    @property
    def blocks_local_models(self) -> bool:
        return self.state in (MISSING, INSTALLING, UPDATING, UPDATE_REQUIRED)

    @property
    def state_text(self) -> str:
        """The state as the pages name it, with what Pieces OS advises."""
        text = "update required, by hand" if self.updates_by_hand else self.state
        if self.inference_recommended is False:
            text += " · Pieces OS does not recommend local inference on this machine"
        return text

    @property
    def updates_by_hand(self) -> bool:
        return self.state == UPDATE_REQUIRED and self.user_managed

    @property
    def updates_from_pieces_os(self) -> bool:
        return self.state == UPDATE_REQUIRED and not self.user_managed

    @property
    def available_actions(self) -> tuple[str, ...]:
        """What may be asked of Pieces OS for Ollama now, in the order the buttons show."""
        flags = (
            ("install", self.state == MISSING),
            ("update", self.updates_from_pieces_os and bool(self.update_version)),
            ("cancel", self.state in (INSTALLING, UPDATING) and bool(self.running_id)),
            ("uninstall", self.state in (READY, UPDATE_REQUIRED) and bool(self.installed_version)),
        )
        return tuple(name for name, applies in flags if applies)

    @property
    def installed_version(self) -> str | None:
        return self.installation.version if self.installation else None

    @property
    def running_id(self) -> str | None:
        return self.running.id if self.running else None

    @property
    def running_kind(self) -> str | None:
        """ "install" or "update" while one is under way (what its cancel route names)."""
        return {INSTALLING: "install", UPDATING: "update"}.get(self.state)

    @property
    def explanation(self) -> str | None:
        """Why local models cannot be downloaded or loaded now, for a person; None if they can."""
        progress = f" ({self.percentage:.0f} %)" if self.percentage is not None else ""
        target = f" to {self.update_version}" if self.update_version else ""
        if self.updates_by_hand:
            return (
                f"Ollama, which runs local models, must be updated{target} by hand: Pieces OS "
                "says it is managed by the user, so Pieces OS will not update it."
            )
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
        recommendation = raw.get("recommendation")
        inference = recommendation.get("inference") if isinstance(recommendation, dict) else None
        installed = Deployment.from_raw(raw.get("installation"))
        installed_version = installed.version if installed else None
        missing = cls(
            MISSING,
            inference_recommended=inference if isinstance(inference, bool) else None,
            installation=installed,
        )
        installing = Deployment.from_raw(raw.get("installing"))
        if installing is not None:
            return replace(
                missing,
                state=INSTALLING,
                version=installing.version,
                percentage=installing.percentage,
                running=installing,
            )
        updating = Deployment.from_raw(raw.get("updating"))
        if updating is not None:
            return replace(
                missing,
                state=UPDATING,
                version=installed_version or updating.version,
                percentage=updating.percentage,
                running=updating,
                update_version=updating.version,
            )
        required = Deployment.from_raw(raw.get("updateRequired"))
        if required is not None:
            return replace(
                missing,
                state=UPDATE_REQUIRED,
                version=installed_version or required.version,
                percentage=required.percentage,
                user_managed=required.user_managed,
                update_version=required.version,
            )
        if installed is not None:
            return replace(missing, state=READY, version=installed_version)
        return missing
