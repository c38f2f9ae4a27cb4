"""The machine Pieces OS runs on, from ``GET /os/device/information``
(``OSDeviceInformationReturnable``): its name, RAM and GPUs, read as leniently as a model.

Anything missing or odd reads as unknown (None), never as an error: the panel then says
"unknown" rather than guess. Memory figures are bytes.
"""

from dataclasses import dataclass

from .model import Model, finite_number

MAX_TEXT = 200


@dataclass(frozen=True)
class Gpu:
    name: str | None
    memory_bytes: int | None
    llm: bool | None  # Pieces OS deems it able to run LLMs


@dataclass(frozen=True)
class Device:
    name: str | None = None
    os_version: str | None = None
    ram_bytes: int | None = None
    gpus: tuple[Gpu, ...] | None = None  # None: not said

    @classmethod
    def from_raw(cls, raw: object) -> "Device":
        if not isinstance(raw, dict):
            return cls()
        hardware = raw["hardware"] if isinstance(raw.get("hardware"), dict) else {}
        ram = hardware.get("ram")
        gpus = hardware.get("gpus")
        return cls(
            name=_text(raw.get("name")),
            os_version=_text(raw.get("version")),
            ram_bytes=_bytes(ram.get("memory")) if isinstance(ram, dict) else None,
            gpus=tuple(_gpu(gpu) for gpu in gpus if isinstance(gpu, dict))
            if isinstance(gpus, list)
            else None,
        )


@dataclass(frozen=True)
class MemoryUse:
    """RAM taken by the loaded models (their ``ram``) against the machine's; ``total`` and
    ``left`` are None when the machine's RAM is unknown."""

    used: int
    total: int | None

    @property
    def left(self) -> int | None:
        return None if self.total is None else max(self.total - self.used, 0)

    @property
    def over(self) -> int | None:
        """Bytes the loaded models take beyond the machine's RAM (memory is over-committed);
        None when they fit or nobody knows."""
        excess = None if self.total is None else self.used - self.total
        return excess if excess is not None and excess > 0 else None

    def shortfall(self, model: Model) -> int | None:
        """How many bytes ``model`` needs beyond what is left; None when it fits or nobody
        knows (an estimate: the warning never blocks a load)."""
        if self.left is None or not model.ram_bytes or model.loaded:
            return None
        short = model.ram_bytes - self.left
        return short if short > 0 else None


def memory_use(device: Device | None, models: list[Model]) -> MemoryUse:
    used = sum(model.ram_bytes or 0 for model in models if model.loaded)
    return MemoryUse(used, device.ram_bytes if device else None)


def unload_to_fit(memory: MemoryUse, models: list[Model]) -> list[Model]:
    """Which loaded models to unload so that the others fit in the machine's RAM: the smallest
    one that frees enough alone, else the largest ones until enough is freed; none when memory
    is not over-committed."""
    excess = memory.over
    if excess is None:
        return []
    loaded = [model for model in models if model.loaded and model.ram_bytes]
    alone = sorted(
        (model for model in loaded if (model.ram_bytes or 0) >= excess),
        key=lambda model: model.ram_bytes or 0,
    )
    if alone:
        return alone[:1]
    chosen: list[Model] = []
    for model in sorted(loaded, key=lambda model: model.ram_bytes or 0, reverse=True):
        if excess <= 0:
            break
        chosen.append(model)
        excess -= model.ram_bytes or 0
    return chosen


def _gpu(raw: dict) -> Gpu:
    capabilities = raw.get("capabilities")
    llm = capabilities.get("llm") if isinstance(capabilities, dict) else None
    return Gpu(
        _text(raw.get("name")), _bytes(raw.get("memory")), llm if isinstance(llm, bool) else None
    )


def _text(value: object) -> str | None:
    return value[:MAX_TEXT] if isinstance(value, str) and value.strip() else None


def _bytes(value: object) -> int | None:
    number = finite_number(value)
    return int(number) if number is not None and number > 0 else None
