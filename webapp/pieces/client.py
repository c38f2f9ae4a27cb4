"""The panel's client for the Pieces OS Model API.

One ``requests.Session`` per process, explicit connect and read timeouts, model ids checked
before they reach a URL, and every failure turned into an ``UpstreamError`` whose message a
person can read on the page.
"""
import requests
from flask import current_app
from requests.adapters import HTTPAdapter

from .model import InvalidModelId, MalformedModel, Model, check_model_id, parse_models

# Pieces OS's error texts are shown to people; a misbehaving upstream must not flood the page.
MAX_ERROR_TEXT = 500
MAX_POOL_SIZE = 64

__all__ = [
    "InvalidModelId", "MalformedResponse", "ModelGone", "PiecesClient", "TimedOut",
    "Unreachable", "UpstreamError", "UpstreamFailed",
]


class UpstreamError(Exception):
    """Talking to Pieces OS failed; ``str(error)`` is a sentence for a person."""


class Unreachable(UpstreamError):
    def __init__(self, url: str):
        super().__init__(f"Pieces OS is not reachable at {url}")
        self.url = url


class TimedOut(UpstreamError):
    def __init__(self, seconds: float):
        super().__init__(f"Pieces OS did not answer within {seconds:g} s")
        self.seconds = seconds


class ModelGone(UpstreamError):
    def __init__(self, model_id: str):
        super().__init__("This model no longer exists in Pieces OS")
        self.model_id = model_id


class UpstreamFailed(UpstreamError):
    def __init__(self, status: int, text: str):
        shown = text.strip()[:MAX_ERROR_TEXT] or "(no message)"
        super().__init__(f"Pieces OS answered {status}: {shown}")
        self.status = status
        self.text = shown


class MalformedResponse(UpstreamError):
    def __init__(self, detail: str):
        super().__init__(f"Pieces OS sent something unexpected: {detail}")
        self.detail = detail


class PiecesClient:
    """Calls the Model API of the Pieces OS at ``base_url``."""

    def __init__(self, base_url: str, connect_timeout: float = 2.0, read_timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=MAX_POOL_SIZE)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- the Model API -------------------------------------------------------------------------

    def list_models(self) -> list[Model]:
        return self._parse(parse_models, self._request_json("GET", "/models"))

    def get_model(self, model_id: str) -> Model:
        return self._model_request("GET", self._model_path(model_id), model_id)

    def download(self, model_id: str) -> Model:
        return self._model_request("POST", self._model_path(model_id, "/download"), model_id)

    def cancel_download(self, model_id: str) -> Model:
        path = self._model_path(model_id, "/download/cancel")
        return self._model_request("POST", path, model_id)

    def load(self, model_id: str) -> Model:
        return self._model_request("POST", self._model_path(model_id, "/load"), model_id)

    def unload(self, model_id: str) -> Model:
        return self._model_request("POST", self._model_path(model_id, "/unload"), model_id)

    def update_model(self, raw_model: dict) -> Model:
        """Send a whole ``Model`` to ``POST /model/update``; its id is checked first."""
        model_id = check_model_id(raw_model.get("id"))
        return self._model_request("POST", "/model/update", model_id, json=raw_model)

    def version(self) -> str:
        return self._request("GET", "/.well-known/version").text.strip()

    def progress_url(self, model_id: str) -> str:
        """The WebSocket address of a model's download-progress stream."""
        ws_base = "ws" + self.base_url.removeprefix("http")
        return ws_base + self._model_path(model_id, "/download/progress")

    # -- plumbing ------------------------------------------------------------------------------

    @staticmethod
    def _model_path(model_id: str, suffix: str = "") -> str:
        return f"/model/{check_model_id(model_id)}{suffix}"

    def _model_request(self, method: str, path: str, model_id: str, **kwargs) -> Model:
        return self._parse(Model.from_raw, self._request_json(method, path, model_id, **kwargs))

    @staticmethod
    def _parse(parser, payload):
        try:
            return parser(payload)
        except MalformedModel as error:
            raise MalformedResponse(str(error)) from None

    def _request_json(self, method: str, path: str, gone_id: str | None = None, **kwargs):
        """Send a request and return its decoded JSON body."""
        response = self._request(method, path, gone_id, **kwargs)
        content_type = response.headers.get("Content-Type", "")
        if not content_type.startswith("application/json"):
            raise MalformedResponse(f"expected JSON, got {content_type or 'no content type'!r}")
        try:
            return response.json()
        except ValueError:
            raise MalformedResponse("the answer is not valid JSON") from None

    def _request(self, method: str, path: str, gone_id: str | None = None,
                 **kwargs) -> requests.Response:
        """Send a request; any answer but 200 raises the matching UpstreamError."""
        url = self.base_url + path
        try:
            response = self.session.request(
                method, url, timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False, **kwargs)
        except requests.ConnectTimeout:
            raise TimedOut(self.connect_timeout) from None
        except requests.ReadTimeout:
            raise TimedOut(self.read_timeout) from None
        except requests.ConnectionError:
            raise Unreachable(self.base_url) from None
        except requests.RequestException as error:
            raise MalformedResponse(str(error)) from None
        if response.status_code == 410 and gone_id is not None:
            raise ModelGone(gone_id)
        if response.status_code != 200:
            raise UpstreamFailed(response.status_code, response.text)
        return response



def current_client() -> PiecesClient:
    """The client of the app handling the current request."""
    return current_app.extensions["pieces_client"]
