"""The edit form of a custom model: read, validate, and apply to the ``Model`` Pieces OS sent."""

import math
import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from ..pieces.model import CAPABILITY_NAMES, Model

VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
QUANTIZATION_PATTERN = re.compile(r"[A-Za-z0-9._-]*")
#: What each field's pattern allows, said to whoever typed something else.
PATTERN_RULES = {
    VERSION_PATTERN: "Only letters, digits and . _ + - (starting with a letter or digit).",
    QUANTIZATION_PATTERN: "Only letters, digits and . _ -",
}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_PARAMETERS_BILLIONS = 100_000
MAX_TOKENS = 100_000_000
TOKEN_FIELDS = ("max_tokens_total", "max_tokens_input", "max_tokens_output")


@dataclass
class ModelForm:
    """The submitted values (as typed, for redisplay) and an error per field that failed."""

    values: dict
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_model(cls, model: Model) -> "ModelForm":
        limits = model.max_tokens
        return cls(
            values={
                "name": model.name,
                "description": model.description or "",
                "version": model.version,
                "quantization": model.quantization or "",
                "parameters": _shown(model.parameters),
                "max_tokens_total": _shown(limits.total if limits else None),
                "max_tokens_input": _shown(limits.input if limits else None),
                "max_tokens_output": _shown(limits.output if limits else None),
                "capabilities": list(model.capabilities),
                "cpu": bool(model.cpu),
            }
        )

    @classmethod
    def from_form(cls, form: MultiDict) -> "ModelForm":
        values = {
            name: form.get(name, "").strip()
            for name in (
                "name",
                "description",
                "version",
                "quantization",
                "parameters",
                *TOKEN_FIELDS,
            )
        }
        values["capabilities"] = form.getlist("capabilities")
        values["cpu"] = form.get("cpu") == "on"
        return cls(values=values)

    def validate(self) -> dict:
        """Check every field; return the Model keys to change (empty if any field failed)."""
        changes = {
            "name": self._text("name", required=True, max_length=200),
            "version": self._text("version", required=True, max_length=40, pattern=VERSION_PATTERN),
            "parameters": self._number("parameters", maximum=MAX_PARAMETERS_BILLIONS),
            "capabilities": self._capabilities(),
            "cpu": self.values["cpu"],
        }
        for key, name, pattern in (
            ("description", "description", None),
            ("quantization", "quantization", QUANTIZATION_PATTERN),
        ):
            value = self._text(
                name, max_length=2000 if key == "description" else 40, pattern=pattern
            )
            changes[key] = value or None  # None: remove the optional key
        changes["maxTokens"] = self._token_limits()
        return {} if self.errors else changes

    # -- one checker per kind of field ---------------------------------------------------------

    def _text(
        self,
        name: str,
        *,
        max_length: int,
        required: bool = False,
        pattern: re.Pattern[str] | None = None,
    ) -> str:
        value = self.values[name]
        if required and not value:
            self.errors[name] = "This field is required."
        elif len(value) > max_length:
            self.errors[name] = f"At most {max_length} characters."
        elif CONTROL_CHARACTERS.search(value):
            self.errors[name] = "Control characters are not allowed."
        elif pattern and value and not pattern.fullmatch(value):
            self.errors[name] = PATTERN_RULES[pattern]
        return value

    def _number(self, name: str, *, maximum: float, integer: bool = False) -> float | None:
        text = self.values[name]
        if not text:
            return None
        try:
            number = int(text) if integer else float(text)
        except ValueError:
            self.errors[name] = "Enter a whole number." if integer else "Enter a number."
            return None
        if not math.isfinite(number) or not 0 < number <= maximum:
            self.errors[name] = f"Enter a number above 0 and at most {maximum:,}."
            return None
        return number

    def _token_limits(self) -> dict:
        total, given_input, given_output = (
            self._number(name, maximum=MAX_TOKENS, integer=True) for name in TOKEN_FIELDS
        )
        for name, part in (("max_tokens_input", given_input), ("max_tokens_output", given_output)):
            if total is not None and part is not None and part > total:
                self.errors[name] = "Cannot be more than the total."
        return {"total": total, "input": given_input, "output": given_output}

    def _capabilities(self) -> dict:
        chosen = self.values["capabilities"]
        unknown = sorted(set(chosen) - set(CAPABILITY_NAMES))
        if unknown:
            self.errors["capabilities"] = f"Unknown capability: {', '.join(unknown)[:100]}."
        return {name: name in chosen for name in CAPABILITY_NAMES}


def apply_changes(raw_model: dict, changes: dict) -> dict:
    """A copy of the Model with ``changes`` applied; a change to None removes the key."""
    updated = dict(raw_model)
    for key, value in changes.items():
        if value is None and key != "parameters":
            updated.pop(key, None)
        else:
            updated[key] = value
    return updated


def _shown(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)
