"""The panel's own view of a Pieces OS ``Model``.

Parsing is as lenient as the official SDK: optional keys may be missing or of an unexpected type
(then treated as missing), a missing ``type`` or ``usage`` reads as ``UNKNOWN``, unknown keys are
ignored, and enum values are kept as the raw strings Pieces OS sent, so a newer Pieces OS never
breaks the panel. A model without what the panel needs to show and address it (an id, a name,
whether it runs in the cloud) is kept as an *unreadable* model, which its row shows as such:
one odd model never takes the list down.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from .ids import InvalidModelId, check_model_id

UNKNOWN = "UNKNOWN"
CAPABILITY_NAMES = ("assets", "codebases", "documents", "images", "temporal", "videos", "websites")


class MalformedModel(ValueError):
    """A payload that is not a ``Models`` list as the contract defines it."""


def _bool(raw: dict, key: str) -> bool:
    return raw.get(key) is True


def _encodable(text: str) -> str:
    """``text`` with any lone surrogate (a legal JSON escape that UTF-8 cannot carry) replaced by
    U+FFFD, so a page showing it can be sent."""
    if text.isascii():  # constant time: the common case costs nothing
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _text(raw: dict, key: str) -> str | None:
    value = raw.get(key)
    return _encodable(value) if isinstance(value, str) else None


def finite_number(value: object) -> float | int | None:
    """A number the panel can compute with; NaN, infinities and integers beyond a float's range
    (all of which Python's JSON decoder accepts) count as missing."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:
        return None


def _byte_count(raw: dict, key: str) -> int | None:
    descriptor = raw.get(key)
    if not isinstance(descriptor, dict):
        return None
    value = finite_number(descriptor.get("value"))
    return int(value) if value is not None and value >= 0 else None


def _timestamp(raw: dict, key: str) -> datetime | None:
    stamp = raw.get(key)
    value = stamp.get("value") if isinstance(stamp, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class TokenLimits:
    total: float | None = None
    input: float | None = None
    output: float | None = None

    @classmethod
    def from_raw(cls, raw: object) -> "TokenLimits | None":
        if not isinstance(raw, dict):
            return None
        return cls(*(finite_number(raw.get(key)) for key in ("total", "input", "output")))


@dataclass(frozen=True)
class Model:
    """One model as Pieces OS described it, plus the flags the views need."""

    id: str
    name: str
    version: str
    type: str
    usage: str
    cloud: bool
    created: datetime | None
    description: str | None = None
    unique: str | None = None
    provider: str | None = None
    foundation: str | None = None
    quantization: str | None = None
    parameters: float | None = None
    size_bytes: int | None = None
    ram_bytes: int | None = None
    max_tokens: TokenLimits | None = None
    capabilities: tuple[str, ...] = ()
    cpu: bool | None = None
    downloaded: bool = False
    downloading: bool = False
    loaded: bool = False
    custom: bool = False
    denied: bool = False
    organization_id: str | None = None
    problem: str | None = None  # why the model is unreadable
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_raw(cls, raw: object, position: int = 0) -> "Model":
        """Build a Model from decoded JSON; what cannot be read makes an unreadable Model
        (``position`` in the list names one that has no usable id)."""
        if not isinstance(raw, dict):
            return cls.unreadable(f"unreadable-{position}", None, "it is not a JSON object")
        try:
            model_id = check_model_id(raw.get("id"))
        except InvalidModelId as error:
            return cls.unreadable(f"unreadable-{position}", raw, f"its id: {error}")
        if not isinstance(raw.get("name"), str):
            return cls.unreadable(model_id, raw, "it has no name")
        if not isinstance(raw.get("cloud"), bool):
            return cls.unreadable(model_id, raw, "it does not say whether it runs in the cloud")
        capabilities = raw.get("capabilities")
        cpu = raw.get("cpu")
        organization = raw.get("organization")
        return cls(
            id=model_id,
            name=_encodable(raw["name"]),
            version=_text(raw, "version") or "",
            type=_text(raw, "type") or UNKNOWN,
            usage=_text(raw, "usage") or UNKNOWN,
            cloud=raw["cloud"],
            created=_timestamp(raw, "created"),
            description=_text(raw, "description"),
            unique=_text(raw, "unique"),
            provider=_text(raw, "provider"),
            foundation=_text(raw, "foundation"),
            quantization=_text(raw, "quantization"),
            parameters=finite_number(raw.get("parameters")),
            size_bytes=_byte_count(raw, "bytes"),
            ram_bytes=_byte_count(raw, "ram"),
            max_tokens=TokenLimits.from_raw(raw.get("maxTokens")),
            capabilities=tuple(
                name
                for name in CAPABILITY_NAMES
                if isinstance(capabilities, dict) and capabilities.get(name) is True
            ),
            cpu=cpu if isinstance(cpu, bool) else None,
            downloaded=_bool(raw, "downloaded"),
            downloading=_bool(raw, "downloading"),
            loaded=_bool(raw, "loaded"),
            custom=_bool(raw, "custom"),
            denied=_bool(raw, "denied"),
            organization_id=_text(organization, "id") if isinstance(organization, dict) else None,
            raw=raw,
        )

    @classmethod
    def unreadable(cls, model_id: str, raw: dict | None, why: str) -> "Model":
        """A model Pieces OS sent in a shape the panel cannot use: shown, never acted on."""
        name = raw.get("name") if raw else None
        return cls(
            id=model_id,
            name=_encodable(name) if isinstance(name, str) else "(no name)",
            version="",
            type=UNKNOWN,
            usage=UNKNOWN,
            cloud=False,
            created=None,
            problem=f"Pieces OS sent something unexpected: {why}.",
            raw=raw or {},
        )

    @property
    def is_local(self) -> bool:
        return not self.cloud

    @property
    def actionable(self) -> bool:
        """Local, readable and not denied: the only models the panel may act on."""
        return self.is_local and not self.denied and not self.problem

    @property
    def can_download(self) -> bool:
        return self.actionable and not self.downloaded and not self.downloading

    @property
    def can_cancel(self) -> bool:
        return self.actionable and self.downloading

    @property
    def can_load(self) -> bool:
        return self.actionable and self.downloaded and not self.downloading and not self.loaded

    @property
    def can_unload(self) -> bool:
        return self.actionable and self.loaded

    @property
    def can_delete_files(self) -> bool:
        """Its downloaded files can go: it is neither loaded nor downloading."""
        return self.actionable and self.downloaded and not self.downloading and not self.loaded

    @property
    def can_edit(self) -> bool:
        return self.custom and not self.problem

    @property
    def available_actions(self) -> tuple[str, ...]:
        """The actions that apply now, in the order the buttons are shown."""
        flags = (
            ("download", self.can_download),
            ("cancel", self.can_cancel),
            ("load", self.can_load),
            ("unload", self.can_unload),
        )
        return tuple(name for name, applies in flags if applies)

    @property
    def state(self) -> str:
        """The one word that best says where the model stands."""
        if self.problem:
            return "unreadable"
        if self.denied:
            return "denied"
        if self.cloud:
            return "cloud"
        if self.downloading:
            return "downloading"
        if self.loaded:
            return "loaded"
        if self.downloaded:
            return "downloaded"
        return "not downloaded"

    @property
    def badges(self) -> tuple[str, ...]:
        """The state plus "custom" when it applies; list filters match any badge."""
        return (self.state, "custom") if self.custom else (self.state,)


def parse_models(payload: object) -> list[Model]:
    """Parse a ``Models`` object: ``{"iterable": [Model, ...]}``."""
    if not isinstance(payload, dict) or not isinstance(payload.get("iterable"), list):
        raise MalformedModel("the model list has no 'iterable' array")
    return [Model.from_raw(item, position) for position, item in enumerate(payload["iterable"])]
