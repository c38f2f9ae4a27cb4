"""A download started through the panel, until Pieces OS is seen running it.

``POST /model/{id}/download`` promises little: its answer may say ``downloading: false`` (the
server is still setting it up), come later than the panel waits for it, or say ``downloaded:
true`` (the files were already there). The official C# client trusts none of it: it polls
``GET /model/{id}`` until ``downloading`` turns true, and takes ``downloaded: true`` for "already
downloaded". So does the panel, for every download it started and has not heard of since
(``state.requested``): the download is followed, its socket open, until Pieces OS says how it is.

Every method runs in the host's loop; the checks run in threads of their own and post back.
"""

from functools import partial
from typing import TYPE_CHECKING

from ..pieces.client import ModelGone, UpstreamError
from ..pieces.model import Model

if TYPE_CHECKING:
    from .downloads import Downloads

#: How often a download the panel started and has not heard of is checked, as the C# client
#: checks (it polls every 100 ms; a second is enough for a person).
START_CHECK_SECONDS = 1.0
# A download started through the panel that neither its socket nor Pieces OS's answers show yet
# (the server may still be starting it) is followed this long before it counts as not started.
START_GRACE_SECONDS = 30.0
#: Why a download ended that Pieces OS never showed running.
NEVER_STARTED = f"Pieces OS did not start it within {START_GRACE_SECONDS:g} s"


class DownloadStarts:
    def __init__(self, downloads: "Downloads"):
        self.downloads = downloads
        self.host = downloads.host
        self.state = downloads.state
        self._checked: dict[str, float] = {}  # model -> when it was last asked for
        self._in_flight: set[str] = set()  # the request that started it has not answered yet

    def asked(self, model_id: str) -> None:
        """The request that starts the model's download is on its way."""
        self._in_flight.add(model_id)

    def request_over(self, model_id: str) -> None:
        """That request was answered, or the panel stopped waiting for its answer."""
        self._in_flight.discard(model_id)

    def tick(self) -> None:
        """(Every second.) Ask Pieces OS about each download started here and not heard of."""
        now = self.host.now()
        for model_id in list(self.state.requested):
            if now - self._checked.get(model_id, 0.0) < START_CHECK_SECONDS:
                continue
            self._checked[model_id] = now
            self.host.spawn(
                partial(self.host.client.get_model, model_id), partial(self._checked_in, model_id)
            )

    def awaiting(self, model_id: str) -> bool:
        """Is the download one the panel started moments ago, which Pieces OS may still be
        starting (so that a model answered not downloading does not end it)?"""
        progress = self.state.downloads.get(model_id)
        return (
            progress is not None
            and model_id in self.state.requested
            and progress.cancel_requested_by is None
            and progress.age(self.host.now()) < START_GRACE_SECONDS
        )

    def found_done(self, model: Model) -> bool:
        """Pieces OS answered the download with the model ``downloaded`` and not downloading:
        its files were there, nothing is to follow or show as running. False when this
        download was heard of meanwhile: it ran (and ended so fast that its frames say so)."""
        self.request_over(model.id)
        progress = self.state.downloads.get(model.id)
        if progress is None or progress.heard or not model.downloaded or model.downloading:
            return False
        self.downloads.stop_following(model.id)
        self.host.publish.downloads()
        self.host.models.heard(model)
        self.host.notices.already_downloaded(progress, model)
        return True

    def forget(self, model_id: str) -> None:
        self._checked.pop(model_id, None)
        self._in_flight.discard(model_id)

    def _checked_in(self, model_id: str, answer: Model | UpstreamError) -> None:
        """What ``GET /model/{id}`` said of a download not heard of yet."""
        progress = self.state.downloads.get(model_id)
        if progress is None or model_id not in self.state.requested:
            return  # heard of, or ended, meanwhile
        if isinstance(answer, ModelGone):
            self.downloads.finish(model_id)
        elif isinstance(answer, UpstreamError):
            return  # asked again in a second
        elif answer.downloading:
            # Pieces OS runs it: from now on a final status is this attempt's.
            progress.answered = True
            self.state.requested.discard(model_id)
            self.host.models.heard(answer)
        elif answer.downloaded and model_id in self._in_flight:
            return  # ran, or found its files: the request's answer will say which
        elif answer.downloaded:  # it ran and ended before any frame of it came
            self.downloads.ended(self.downloads.stop_following(model_id), answer)
            self.host.models.heard(answer)
        elif progress.age(self.host.now()) > START_GRACE_SECONDS:
            self.downloads.ended(self.downloads.stop_following(model_id), answer, NEVER_STARTED)
            self.host.models.heard(answer)
