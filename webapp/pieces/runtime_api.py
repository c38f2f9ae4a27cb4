"""The routes that manage the local runtime (the SDK's ``OllamaApi``): install, update and
uninstall Ollama, and cancel an install or update under way. Each answers an
``OllamaDeployment``; an install or update answers at once, and ``/ollama/status`` (or its
stream) says how it goes on. Through the panel's client: its timeouts, errors and address."""

from urllib.parse import quote

from .client import MalformedResponse, PiecesClient
from .runtime import Deployment

#: The deployments that can be cancelled while under way, by their id.
CANCELLABLE = ("install", "update")


def install(client: PiecesClient) -> Deployment:
    """``POST /ollama/install`` (no body)."""
    return _deployment(client, "/ollama/install")


def update(client: PiecesClient, version: str) -> Deployment:
    """``POST /ollama/update`` with the deployment to update to: its version is what counts."""
    return _deployment(client, "/ollama/update", {"version": version})


def uninstall(client: PiecesClient, installation: Deployment) -> Deployment:
    """``POST /ollama/uninstall`` with the installation to remove, as the status named it."""
    body: dict = {"version": installation.version}
    if installation.id:
        body["id"] = installation.id
    return _deployment(client, "/ollama/uninstall", body)


def cancel(client: PiecesClient, kind: str, identifier: str) -> Deployment:
    """``POST /ollama/{install|update}/{identifier}/cancel``; the id as one path segment."""
    if kind not in CANCELLABLE:
        raise ValueError(f"only an install or an update can be cancelled, not {kind!r}")
    return _deployment(client, f"/ollama/{kind}/{quote(identifier, safe='')}/cancel")


def _deployment(client: PiecesClient, path: str, body: dict | None = None) -> Deployment:
    answer = client._request_json("POST", path, json=body)
    deployment = Deployment.from_raw(answer)
    if deployment is None:
        raise MalformedResponse("the answer is not an OllamaDeployment")
    return deployment
