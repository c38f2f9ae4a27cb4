"""The panel's client for the Pieces OS Model API.

One ``requests.Session`` per process, explicit connect and read timeouts (a longer one for loads,
which can take minutes), model ids checked and percent-encoded as one path segment, and every
failure turned into an ``UpstreamError`` whose message a person can read on the page. When
Pieces OS stops answering at an address the panel discovered, the client looks for it again
(``Locator``), since Pieces OS picks a new port each time it starts.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from .device import Device
from .discovery import Locator
from .errors import (
    MalformedResponse,
    ModelGone,
    TimedOut,
    Unreachable,
    UpstreamError,
    UpstreamFailed,
)
from .ids import InvalidModelId, check_model_id
from .model import MalformedModel, Model, parse_models
from .runtime import LocalRuntime

MAX_POOL_SIZE = 64
#: How much of an error text Pieces OS sent the panel's log keeps (pages show one short line).
MAX_LOGGED_ERROR_TEXT = 4000

T = TypeVar("T")
log = logging.getLogger(__name__)

__all__ = [
    "InvalidModelId",
    "MalformedResponse",
    "ModelGone",
    "PiecesClient",
    "TimedOut",
    "Unreachable",
    "UpstreamError",
    "UpstreamFailed",
]


#: Told the old and the new address when Pieces OS was found elsewhere.
MoveListener = Callable[[str, str], None]


class PiecesClient:
    """Calls the Model API of the Pieces OS at ``base_url``; with a ``locator``, follows it to
    a new address when it restarts elsewhere and tells ``on_moved``."""

    def __init__(
        self,
        base_url: str,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        load_timeout: float = 300.0,
        locator: Locator | None = None,
        on_moved: MoveListener | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.load_timeout = load_timeout
        self.locator = locator
        self.on_moved = on_moved
        self._moving = threading.Lock()
        # The last GET /models: (its content type and body, its models).
        self._last_list: tuple[tuple[str | None, bytes], list[Model]] | None = None
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=MAX_POOL_SIZE)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- the Model API -------------------------------------------------------------------------

    def list_models(self) -> list[Model]:
        """The models Pieces OS lists. An answer byte for byte the same as the last one is not
        decoded and parsed again: its ``Model`` objects (immutable) are kept, so looking at an
        unchanged list costs little however often the pages and the refresher ask."""
        response = self._request("GET", "/models")
        answer = (response.headers.get("Content-Type"), response.content)
        last = self._last_list  # one read: other threads may replace it meanwhile
        if last is None or last[0] != answer:
            last = self._last_list = (answer, self._parse(parse_models, self._decode(response)))
        return list(last[1])

    def get_model(self, model_id: str) -> Model:
        return self._model_request("GET", self._model_path(model_id), model_id)

    def download(self, model_id: str) -> Model:
        return self._model_request("POST", self._model_path(model_id, "/download"), model_id)

    def cancel_download(self, model_id: str) -> Model:
        path = self._model_path(model_id, "/download/cancel")
        return self._model_request("POST", path, model_id)

    def load(self, model_id: str) -> Model:
        """Load into memory; a large model may take minutes, hence its own read timeout."""
        return self._model_request(
            "POST", self._model_path(model_id, "/load"), model_id, read_timeout=self.load_timeout
        )

    def unload(self, model_id: str) -> Model:
        return self._model_request("POST", self._model_path(model_id, "/unload"), model_id)

    def update_model(self, raw_model: dict) -> Model:
        """Send a whole ``Model`` to ``POST /model/update``; its id is checked first."""
        model_id = check_model_id(raw_model.get("id"))
        return self._model_request("POST", "/model/update", model_id, json=raw_model)

    def delete_files(self, model_id: str) -> None:
        """``POST /models/{id}/delete/cache``: delete a local model's downloaded files."""
        self._request("POST", self._models_path(model_id, "/delete/cache"), model_id, json={})

    def unload_all(self) -> None:
        """``POST /models/unload``: free the memory of every loaded model."""
        self._request("POST", "/models/unload")

    def create_model(self, seed: dict) -> Model:
        """``POST /models/create`` with a ``SeededModel``: Pieces OS answers the new Model."""
        return self._model_request("POST", "/models/create", None, json=seed)

    def delete_model(self, model_id: str) -> None:
        """``POST /models/{id}/delete``: remove a custom model."""
        self._request("POST", self._models_path(model_id, "/delete"), model_id)

    def version(self) -> str:
        return self._request("GET", "/.well-known/version").text.strip()[:100]

    def device(self) -> Device:
        """``GET /os/device/information``: the machine's name, RAM and GPUs."""
        return Device.from_raw(self._request_json("GET", "/os/device/information"))

    def local_runtime(self) -> LocalRuntime:
        """``GET /ollama/status``: the state of Ollama, which runs every local model."""
        return LocalRuntime.from_raw(self._request_json("GET", "/ollama/status"))

    def progress_url(self, model_id: str) -> str:
        """The WebSocket address of a model's download-progress stream."""
        return self._ws_url(self._model_path(model_id, "/download/progress"))

    def identifiers_url(self) -> str:
        """The WebSocket that names every model that changed (``StreamedIdentifiers``)."""
        return self._ws_url("/models/stream/identifiers")

    def runtime_status_url(self) -> str:
        """The WebSocket that pushes every ``OllamaStatus`` (install and update progress)."""
        return self._ws_url("/ollama/status/stream")

    def _ws_url(self, path: str) -> str:
        return "ws" + self.base_url.removeprefix("http") + path

    # -- plumbing ------------------------------------------------------------------------------

    @staticmethod
    def _model_path(model_id: str, suffix: str = "", collection: str = "/model") -> str:
        """The route of one model: any id becomes exactly one percent-encoded path segment."""
        return f"{collection}/{quote(check_model_id(model_id), safe='')}{suffix}"

    @classmethod
    def _models_path(cls, model_id: str, suffix: str) -> str:
        """The newer routes of one model live under ``/models/{id}``."""
        return cls._model_path(model_id, suffix, collection="/models")

    def _model_request(self, method: str, path: str, model_id: str | None, **kwargs: Any) -> Model:
        model = self._parse(Model.from_raw, self._request_json(method, path, model_id, **kwargs))
        if model.problem:  # one model asked for must be usable; a list keeps such a one aside
            raise MalformedResponse(model.problem.removeprefix(MalformedResponse.PREFIX))
        return model

    @staticmethod
    def _parse(parser: Callable[[object], T], payload: object) -> T:
        try:
            return parser(payload)
        except MalformedModel as error:
            raise MalformedResponse(str(error)) from None

    def _request_json(
        self, method: str, path: str, gone_id: str | None = None, **kwargs: Any
    ) -> object:
        """Send a request and return its decoded JSON body."""
        return self._decode(self._request(method, path, gone_id, **kwargs))

    @staticmethod
    def _decode(response: requests.Response) -> object:
        """The JSON body of an answer that must be JSON."""
        content_type = response.headers.get("Content-Type", "")
        if not content_type.startswith("application/json"):
            raise MalformedResponse(f"expected JSON, got {content_type or 'no content type'!r}")
        try:
            return response.json()
        except ValueError:
            raise MalformedResponse("the answer is not valid JSON") from None

    def _request(
        self,
        method: str,
        path: str,
        gone_id: str | None = None,
        read_timeout: float | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request; any answer but 200 or 204 raises the matching UpstreamError."""
        read_timeout = read_timeout or self.read_timeout
        for attempt in (1, 2):  # the second at the address where Pieces OS was found again
            try:
                response = self._send(method, path, read_timeout, **kwargs)
                break
            except requests.ConnectionError as failure:
                if attempt == 2 or not self._relocated():
                    if isinstance(failure, requests.ConnectTimeout):
                        raise TimedOut(self.connect_timeout, sent=False) from None
                    raise Unreachable(self.base_url) from None
        if response.status_code == 410 and gone_id is not None:
            raise ModelGone(gone_id)
        if response.status_code not in (200, 204):  # 204: the routes that answer nothing
            log.warning(
                "Pieces OS answered %s to %s %s: %s",
                response.status_code,
                method,
                path,
                response.text[:MAX_LOGGED_ERROR_TEXT],
            )
            refusal = UpstreamFailed(response.status_code, response.text)
            if (
                gone_id is not None
                and response.status_code >= 500
                and self._vanished(gone_id, path)
            ):
                raise ModelGone(gone_id) from refusal
            raise refusal
        return response

    def _vanished(self, model_id: str, failed_path: str) -> bool:
        """An action on the model failed: is it because Pieces OS no longer has it? Only
        ``GET /model/{id}`` declares 410 for an unknown id; the action routes may answer 500,
        so that route is asked (its 410, or a 404, says the model is gone)."""
        if failed_path == self._model_path(model_id):  # (asked already)
            return False
        try:
            answer = self._send("GET", self._model_path(model_id), self.read_timeout)
        except (requests.ConnectionError, UpstreamError):
            return False
        return answer.status_code in (404, 410)

    def _send(
        self, method: str, path: str, read_timeout: float, **kwargs: Any
    ) -> requests.Response:
        """One request; a failure to connect is left to ``_request``, which may look again."""
        try:
            return self.session.request(
                method,
                self.base_url + path,
                timeout=(self.connect_timeout, read_timeout),
                allow_redirects=False,
                **kwargs,
            )
        except requests.ReadTimeout:
            raise TimedOut(read_timeout) from None
        except requests.ConnectionError:
            raise
        except requests.RequestException as error:
            raise MalformedResponse(str(error)) from None

    def _relocated(self) -> bool:
        """Pieces OS did not answer: look for it elsewhere (if the address was discovered);
        True when it was found at a new address, now the client's."""
        if self.locator is None:
            return False
        with self._moving:
            old = self.base_url
            new = self.locator.relocate()
            if new is None or new == old:
                return False
            self.base_url = new
        if self.on_moved:
            self.on_moved(old, new)
        return True
