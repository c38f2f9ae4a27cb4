"""Reading the JSON bodies of the `/__sim/` controls; bad input is a 400 with a text message."""

from typing import TypeGuard, TypeVar

from flask import Response, request

from .api import plain_text

T = TypeVar("T")


class BadControlInput(ValueError):
    """The control request is malformed; the message says how."""


def bad_control_input(error: BadControlInput) -> Response:
    return plain_text(str(error), 400)


def json_body(expected_type: type[T], description: str) -> T:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, expected_type):
        raise BadControlInput(f"the body must be {description}.")
    return body


def only_keys(body: dict, allowed: set) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadControlInput(f"unknown keys: {', '.join(unknown)}.")


def is_number(value: object) -> TypeGuard[float]:
    """A JSON number (an int or a float, not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
