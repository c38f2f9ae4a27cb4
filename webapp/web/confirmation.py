"""Confirming a destructive action: one pattern for every such button.

The button is a link to a confirmation (a page without JavaScript; with htmx, the same box in
place) that says what will be lost and holds the real POST form, which carries
``confirmed=yes``. The POST handlers refuse a request without it (``require_confirmation``), so
a forged or stale form cannot skip the question.
"""

from dataclasses import dataclass, field

from flask import abort, request

FIELD = "confirmed"
VALUE = "yes"


@dataclass(frozen=True)
class Confirmation:
    """What the box asks (``question``), what will happen (``consequence``, and ``details``:
    a line for each of several things it touches), and the form that does it: ``action_url``
    with ``fields`` (hidden; a list is a field sent once per value), swapped by htmx into
    ``hx_target`` when given (a plain POST otherwise); ``back_url`` is where "Keep it" leads
    (from a page of its own, to "#" and the id of the control that opened it: the browser gives
    that focus).

    Asked in place (``hx_target``), "Keep it" fetches ``keep_url`` instead, which puts back
    what the box replaced, and focus returns to the control that opened it: the one with
    class ``opener`` there (static/live.js). A box opens with focus on its question, never
    on its button: two presses of Enter must not do what it asks."""

    question: str
    consequence: str
    action_url: str
    button: str
    back_url: str
    fields: dict = field(default_factory=dict)
    hx_target: str | None = None
    keep_url: str | None = None
    opener: str | None = None
    details: tuple[str, ...] = ()


def is_confirmed() -> bool:
    return request.form.get(FIELD) == VALUE


def require_confirmation(what: str) -> None:
    """400 unless the request carries the confirmation field."""
    if not is_confirmed():
        abort(400, description=f"{what} must be confirmed first: use its button, which asks.")
