"""The names of the Pieces OS hosts the panel manages, in order, for the views of concerns the
fleet itself builds on (the Users page, the Activity page): the fleet (webapp/fleet) keeps them
in the app."""

from flask import current_app


def host_names() -> list[str]:
    return list(current_app.extensions["fleet"].hosts)
