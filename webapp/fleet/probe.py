"""Asking a Pieces OS whether it answers and which version it runs (``GET /.well-known/version``),
before the fleet takes it in at an address, or when an admin tests a host. Through a client of
its own (the fleet's timeouts): a host's live state is left as it is."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..pieces.client import PiecesClient, UpstreamError
from ..pieces.versions import is_supported
from .names import HostError


@dataclass(frozen=True)
class Answer:
    """How the Pieces OS at ``url`` answered: its ``version`` (None: it did not answer), and
    ``problem``, why the panel would not use it as it is (None: nothing)."""

    url: str
    version: str | None
    problem: str | None = None

    @property
    def described(self) -> str:
        """What the Hosts page says of it."""
        if self.problem is not None:
            return self.problem
        return f"Pieces OS {self.version} answers at {self.url}."


def ask(client: PiecesClient, config: Mapping[str, Any]) -> Answer:
    """Ask the Pieces OS of ``client`` (closed afterwards) for its version, and judge it."""
    url = client.base_url
    try:
        version = client.version()
    except UpstreamError as error:
        said = str(error)
        return Answer(url, None, f"{said}." if url in said else f"{said} (at {url}).")
    finally:
        client.session.close()
    minimum, below = config["PIECES_OS_MIN_VERSION"], config["PIECES_OS_BELOW_VERSION"]
    supported = is_supported(version, minimum, below)
    if supported is None:
        return Answer(
            url,
            version,
            f"{url} answers {version!r} for its version: that is no Pieces OS version.",
        )
    if not supported:
        return Answer(
            url,
            version,
            f"{url} runs Pieces OS {version}; the panel supports {minimum} and later versions "
            f"below {below}.",
        )
    return Answer(url, version)


def require_usable(answer: Answer, anyway: bool, nothing_done: str) -> None:
    """Refuse (422) an address whose Pieces OS did not answer, or runs a version the panel does
    not support, unless the admin said to go ahead ``anyway`` (a Pieces OS that is off now is
    a host all the same)."""
    if answer.problem is not None and not anyway:
        raise HostError(f"{answer.problem} {nothing_done}")
