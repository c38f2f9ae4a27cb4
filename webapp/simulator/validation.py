"""Checking a `Model` sent to `POST /model/update`, or a `SeededModel` sent to
`POST /models/create`, against the contract's schema.

Provider and foundation are checked as strings only: their lists grow between Pieces OS
releases, and consumers must already tolerate values they do not know.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from numbers import Real
from typing import Any, NoReturn

from .wire import iso_timestamp

MODEL_TYPES = {"UNKNOWN", "BALANCED", "SPEED", "ACCURACY"}
MODEL_USAGES = {
    "UNKNOWN",
    "OCR",
    "CODE_CLASSIFICATION",
    "TEXT_VS_CODE",
    "TAGIFY_CODE",
    "TLP_TAG_SEARCH",
    "TLP_NEURAL_CODE_SEARCH",
    "TAGIFY_COLOR_FROM_CODE",
    "CODE_DESCRIPTION",
    "CODE_TITLE",
    "CODE_SEARCH_QUERIES",
    "CODE_EXTRACTIVE_TAGS",
    "CODE_EXTRACTIVE_LINKS",
    "CODE_CONVERSATION",
    "CODE_GENERATION",
    "CODE_SEARCH",
    "CODE_DISCOVERY",
    "CODE_RELATED_PEOPLE",
    "CODE_FRAMEWORK",
    "VIDEO_OCR",
    "TEXT_VS_CODE_SEGMENTATION",
    "TEXT_EMBEDDING",
    "TECHNICAL_ERROR",
}


class InvalidModel(ValueError):
    """The body is not a valid `Model`; the message says which key and why."""


#: A check of one value of a JSON body, at the key path `where`; it raises InvalidModel.
Check = Callable[[object, str], None]


def _fail(where: str, expected: str) -> NoReturn:
    raise InvalidModel(f"invalid model: `{where}` must be {expected}.")


def _scalar(test: Callable[[object], bool], expected: str) -> Check:
    """A check that `test(value)` holds, explained as `expected` when it does not."""

    def check(value: object, where: str) -> None:
        if not test(value):
            _fail(where, expected)

    return check


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


_BOOL = _scalar(lambda v: isinstance(v, bool), "a boolean")
_STRING = _scalar(lambda v: isinstance(v, str), "a string")
_INTEGER = _scalar(lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer")
_NULLABLE_NUMBER = _scalar(lambda v: v is None or _is_number(v), "a number or null")


def _object(fields: dict, required: tuple = ()) -> Check:
    """A check for a nested object: the `required` keys, and `fields` checked where present.

    Every nested object may carry the server's `schema`.
    """

    def check(value: object, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, "an object")
        for key in required:
            if value.get(key) is None:
                _fail(f"{where}.{key}", "present")
        for key, item in value.items():
            if key in fields:
                fields[key](item, f"{where}.{key}")
            elif key == "schema":
                _SCHEMA(item, f"{where}.schema")

    return check


def _server_timestamp(value: str) -> str:
    """`value` (any ISO-8601 spelling; UTC when it has no offset) in the server's format."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return iso_timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _iso_timestamp(value: Any, where: str) -> None:
    _STRING(value, where)
    try:
        _server_timestamp(value)
    except (ValueError, OverflowError):
        _fail(where, "an ISO-8601 date and time")


_SCHEMA = _object({"migration": _INTEGER, "semantic": _STRING}, ("migration", "semantic"))
_BYTES = _object({"value": _INTEGER, "readable": _STRING}, ("value", "readable"))
_MAX_TOKENS = {"total": _NULLABLE_NUMBER, "input": _NULLABLE_NUMBER, "output": _NULLABLE_NUMBER}
_SCORE_KEYS = ("manual", "automatic", "priority", "reference", "reuse", "searched", "update")
_CAPABILITY_KEYS = ("assets", "codebases", "documents", "images", "temporal", "videos", "websites")

_CHECKS = {
    "id": _scalar(lambda v: isinstance(v, str) and v != "", "a non-empty string"),
    "name": _STRING,
    "version": _STRING,
    "created": _object({"value": _iso_timestamp, "readable": _STRING}, ("value",)),
    "cloud": _BOOL,
    "type": _scalar(MODEL_TYPES.__contains__, "a ModelTypeEnum value"),
    "usage": _scalar(MODEL_USAGES.__contains__, "a ModelUsageEnum value"),
    "description": _STRING,
    "cpu": _BOOL,
    "downloaded": _BOOL,
    "downloading": _BOOL,
    "loaded": _BOOL,
    "custom": _BOOL,
    "denied": _BOOL,
    "unique": _STRING,
    "foundation": _STRING,
    "provider": _STRING,
    "quantization": _STRING,
    "parameters": _NULLABLE_NUMBER,
    "bytes": _BYTES,
    "ram": _BYTES,
    # `total` is required but may be null, so it is checked, not required.
    "maxTokens": _object(_MAX_TOKENS),
    "capabilities": _object({key: _BOOL for key in _CAPABILITY_KEYS}),
    "organization": _object({"id": _STRING}, ("id",)),
    "score": _object({key: _INTEGER for key in _SCORE_KEYS}, ("manual", "automatic")),
    "schema": _SCHEMA,
}
_REQUIRED = ("id", "name", "version", "created", "cloud", "type", "usage")


#: A `SeededModel` is a `Model` without what the server decides: its id and run-time state.
_SEED_CHECKS = {
    key: check for key, check in _CHECKS.items() if key not in ("id", "downloading", "loaded")
}
_SEED_REQUIRED = tuple(key for key in _REQUIRED if key != "id")


def validate_model(body: object) -> dict:
    """Return the known keys of a valid `Model` body; raise InvalidModel otherwise.

    Unknown keys are dropped, as the server's decoder ignores them, and `created` is re-written
    in the server's own format (clients send other ISO-8601 spellings, e.g. `+00:00`). Null is
    accepted only where the contract allows it (`parameters`, the `maxTokens` numbers).
    """
    return _validated(body, _CHECKS, _REQUIRED)


def validate_seeded_model(body: object) -> dict:
    """Like `validate_model`, for a `SeededModel` (an `id` or run-time state sent is dropped)."""
    return _validated(body, _SEED_CHECKS, _SEED_REQUIRED)


def _validated(body: object, checks: dict, required: tuple) -> dict:
    if not isinstance(body, dict):
        raise InvalidModel("invalid model: the body must be a JSON object.")
    for key in required:
        if body.get(key) is None:
            _fail(key, "present")
    model = {}
    for key, value in body.items():
        if key not in checks:
            continue
        checks[key](value, key)
        model[key] = value
    created = model["created"]
    model["created"] = {**created, "value": _server_timestamp(created["value"])}
    return model
