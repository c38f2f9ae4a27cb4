"""The machine card on the list, and the Load buttons' warning when a model may not fit."""

import re

from tests.support.models import rows, upstream_models


def machine_card(html: str) -> str:
    return " ".join(re.search(r'<section id="machine".*?</section>', html, re.S)[0].split())


def test_the_card_names_the_machine_and_its_memory(panel_factory, simulator_factory):
    machine = simulator_factory(memory_gb=24, gpus=[("NVIDIA RTX 4070", 12)])
    card = machine_card(
        panel_factory(PIECES_OS_URL=machine.url).test_client(user="viewer").get("/").text
    )
    assert "Machine: simulated-workstation" in card and "<dd>24.00 GB</dd>" in card
    assert "NVIDIA RTX 4070 · 12.00 GB · runs LLMs" in card
    assert "5.80 GB of 24.00 GB · 18.20 GB left" in card  # Llama-3 8B is loaded at start
    assert re.search(r"<dt>Pieces OS</dt><dd>12\.\d+\.\d+</dd>", card)
    assert "Ollama 0.5.7: ready" in card


def test_without_an_answer_everything_is_unknown_never_an_error(client, simulator):
    simulator.control("POST", "faults", {"route": "device", "status": 500})
    response = client.get("/")
    assert response.status_code == 200
    card = machine_card(response.text)
    assert "Machine: unknown" in card and "<dt>RAM</dt><dd>unknown</dd>" in card
    assert "<dt>GPUs</dt> <dd> unknown </dd>" in card and "RAM is unknown" in card
    assert "may not fit" not in response.text.lower()


def test_a_load_button_warns_when_the_model_exceeds_what_is_left(panel_factory, simulator_factory):
    small = simulator_factory(memory_gb=9)  # 5.8 GB already loaded: 3.2 GB left
    client = panel_factory(PIECES_OS_URL=small.url).test_client(user="operator")
    listed = rows(client.get("/").text)
    warned = set()
    for model in upstream_models(small):
        if not model.can_load:
            continue
        row = listed[model.id][1]
        if model.ram_bytes > 3.2e9:
            short = (model.ram_bytes - 3.2e9) / 1e9
            assert (
                f"it needs {model.ram_bytes / 1e9:.2f} GB of RAM and 3.20 GB is left "
                f"({short:.2f} GB short)"
            ) in row, model.name
            assert 'class="button action-load"' in row  # a warning, never a block
            warned.add(model.name)
        else:
            assert "May not fit" not in row, model.name
    assert warned and len(warned) < sum(model.can_load for model in upstream_models(small))
