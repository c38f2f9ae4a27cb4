"""The Pieces OS hosts the panel manages, each by its name, with its live state (``LiveHost``).

Today the panel manages one host, named ``local``; pages, the API and the metrics ask here for
hosts by name, so that more hosts are more entries of the same table.
"""

from flask import abort, current_app

from ..live.host import LiveHost


def live_hosts() -> dict[str, LiveHost]:
    """Every host, by name, in the order they were added."""
    live: LiveHost = current_app.extensions["live"]
    return {live.loop.name: live}


def host_named(name: str) -> LiveHost:
    """The host called ``name``; 404 if there is none."""
    host = live_hosts().get(name)
    if host is None:
        abort(404, description=f"There is no host named {name[:40]!r}.")
    return host
