"""Reading the models: as Pieces OS (the simulator) lists them, and as the panel's pages show them;
and driving the action buttons as htmx does."""

import re

import requests

from webapp.pieces.model import Model, parse_models

ROW = re.compile(
    r'<tr id="model-(?P<id>[^"]+)" class="model-view" data-state="(?P<state>[^"]+)"'
    r"[^>]*>(?P<body>.*?)</tr>",
    re.S,
)
BUTTON = re.compile(r'class="button action-(\w+)"')


def rows(html: str) -> dict[str, tuple[str, str]]:
    """Model id -> (state, row html) for every model row on a page."""
    return {match["id"]: (match["state"], match["body"]) for match in ROW.finditer(html)}


def sent_upstream(simulator) -> int:
    """How many Model API requests the simulator has received in all."""
    return sum(simulator.stats()["requests"].values())


def upstream_models(simulator):
    return parse_models(requests.get(f"{simulator.url}/models", timeout=5).json())


HTMX = {"HX-Request": "true"}


def model_in_state(simulator, state: str) -> Model:
    return next(model for model in upstream_models(simulator) if model.state == state)


def upstream_model(simulator, model_id: str) -> Model:
    return Model.from_raw(requests.get(f"{simulator.url}/model/{model_id}", timeout=5).json())


def act(client, model_id: str, action: str, htmx: bool = True, **form):
    return client.post(
        f"/models/{model_id}/{action}", data={"next": "/", **form}, headers=HTMX if htmx else {}
    )


#: The field a confirmed destructive action carries (cancelling or unloading a model somebody
#: else started or loaded, as every model loaded or downloading in the simulator at start is).
CONFIRMED = {"confirmed": "yes"}

#: A valid submission of a custom model's edit form.
VALID_EDIT = {
    "name": "Team Llama (tuned)",
    "description": "Our fine-tune",
    "version": "2.1.0",
    "quantization": "q5_K_M",
    "parameters": "8.5",
    "max_tokens_total": "16384",
    "max_tokens_input": "12000",
    "max_tokens_output": "4096",
    "capabilities": ["codebases", "documents"],
    "cpu": "on",
}
