"""The panel's own view of a Pieces OS ``Model``.

Parsing is strict about the keys the contract requires and lenient about everything else:
optional keys may be missing or of an unexpected type (then treated as missing), unknown keys
are ignored, and enum values are kept as the raw strings Pieces OS sent, so a newer Pieces OS
with new enum values never breaks the panel.
"""
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

MODEL_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")

REQUIRED_STRINGS = ("id", "name", "version", "type", "usage")
CAPABILITY_NAMES = ("assets", "codebases", "documents", "images", "temporal", "videos", "websites")


class InvalidModelId(ValueError):
    """A model id that is not safe to put in an upstream URL."""


class MalformedModel(ValueError):
    """A payload that is not a ``Model`` as the contract defines it."""


def check_model_id(model_id: object) -> str:
    """Return the id if it matches the allow-list; raise InvalidModelId otherwise."""
    if not isinstance(model_id, str) or not MODEL_ID_PATTERN.fullmatch(model_id):
        shown = repr(model_id)[:40]
        raise InvalidModelId(f"{shown} is not a valid model id")
    return model_id


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


def _number(value: object) -> float | int | None:
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
    value = _number(descriptor.get("value"))
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
        return cls(*(_number(raw.get(key)) for key in ("total", "input", "output")))


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
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_raw(cls, raw: object) -> "Model":
        """Build a Model from decoded JSON; raise MalformedModel if required keys are wrong."""
        if not isinstance(raw, dict):
            raise MalformedModel("a model is not a JSON object")
        for key in REQUIRED_STRINGS:
            if not isinstance(raw.get(key), str):
                raise MalformedModel(f"a model has no valid {key!r}")
        if not isinstance(raw.get("cloud"), bool):
            raise MalformedModel(f"model {raw['id'][:40]!r} has no boolean 'cloud'")
        if not isinstance(raw.get("created"), dict):
            raise MalformedModel(f"model {raw['id'][:40]!r} has no 'created' timestamp")
        try:
            check_model_id(raw["id"])
        except InvalidModelId as error:
            raise MalformedModel(str(error)) from None
        capabilities = raw.get("capabilities")
        cpu = raw.get("cpu")
        organization = raw.get("organization")
        return cls(
            id=raw["id"],
            name=_encodable(raw["name"]),
            version=_encodable(raw["version"]),
            type=_encodable(raw["type"]),
            usage=_encodable(raw["usage"]),
            cloud=raw["cloud"],
            created=_timestamp(raw, "created"),
            description=_text(raw, "description"),
            unique=_text(raw, "unique"),
            provider=_text(raw, "provider"),
            foundation=_text(raw, "foundation"),
            quantization=_text(raw, "quantization"),
            parameters=_number(raw.get("parameters")),
            size_bytes=_byte_count(raw, "bytes"),
            ram_bytes=_byte_count(raw, "ram"),
            max_tokens=TokenLimits.from_raw(raw.get("maxTokens")),
            capabilities=tuple(
                name for name in CAPABILITY_NAMES
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

    @property
    def is_local(self) -> bool:
        return not self.cloud

    @property
    def actionable(self) -> bool:
        """Local and not denied: the only models the panel may act on."""
        return self.is_local and not self.denied

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
    def can_edit(self) -> bool:
        return self.custom

    @property
    def available_actions(self) -> tuple[str, ...]:
        """The actions that apply now, in the order the buttons are shown."""
        flags = (("download", self.can_download), ("cancel", self.can_cancel),
                 ("load", self.can_load), ("unload", self.can_unload))
        return tuple(name for name, applies in flags if applies)

    @property
    def state(self) -> str:
        """The one word that best says where the model stands."""
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
    return [Model.from_raw(item) for item in payload["iterable"]]
