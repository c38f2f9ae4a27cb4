"""How talking to Pieces OS can fail: each failure is an ``UpstreamError`` whose message is a
sentence a person can read on the page."""

from .error_text import readable_error


class UpstreamError(Exception):
    """Talking to Pieces OS failed; ``str(error)`` is a sentence for a person."""


class Unreachable(UpstreamError):
    def __init__(self, url: str):
        super().__init__(f"Pieces OS is not reachable at {url}")
        self.url = url


class TimedOut(UpstreamError):
    """No answer in time; ``sent``: the request reached Pieces OS (which may act on it still),
    rather than the connection not being made."""

    def __init__(self, seconds: float, sent: bool = True):
        super().__init__(f"Pieces OS did not answer within {seconds:g} s")
        self.seconds = seconds
        self.sent = sent


class ModelGone(UpstreamError):
    def __init__(self, model_id: str):
        super().__init__("This model no longer exists in Pieces OS")
        self.model_id = model_id


class UpstreamFailed(UpstreamError):
    """Pieces OS answered an error: its status and the first readable line of its text."""

    def __init__(self, status: int, text: str):
        shown = readable_error(text)
        super().__init__(f"Pieces OS answered {status}: {shown}")
        self.status = status
        self.text = shown


class MalformedResponse(UpstreamError):
    PREFIX = "Pieces OS sent something unexpected: "

    def __init__(self, detail: str):
        super().__init__(f"{self.PREFIX}{detail}")
        self.detail = detail
