"""The machine card on the list, and the Load buttons' warning when a model may not fit."""

import re

from tests.support.models import rows, upstream_models
from webapp.simulator.catalogue import model_id


def machine_card(html: str) -> str:
    return " ".join(re.search(r'<section id="machine".*?</section>', html, re.S)[0].split())


def test_the_card_names_the_machine_and_its_memory(panel_factory, simulator_factory):
    machine = simulator_factory(memory_gb=24, gpus=[("NVIDIA RTX 4070", 12)])
    card = machine_card(
        panel_factory(PIECES_OS_URL=machine.url).test_client(user="viewer").get("/").text
    )
    assert "Machine: simulated-workstation" in card and "<dd>24.00 GB</dd>" in card
    assert "NVIDIA RTX 4070 · 12.00 GB · Pieces OS says it can run LLMs" in card
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


def test_a_gpu_pieces_os_deems_unable_is_labelled_with_what_it_says(
    panel_factory, simulator_factory
):
    machine = simulator_factory(gpus=[("Intel UHD 620", 1)])  # capabilities.llm: false
    card = machine_card(panel_factory(PIECES_OS_URL=machine.url).test_client().get("/").text)
    assert "Intel UHD 620 · 1.00 GB · Pieces OS says it cannot run LLMs" in card
    assert "too small" not in card


def test_a_runtime_pieces_os_does_not_recommend_is_not_just_ready(client, simulator):
    simulator.control("POST", "ollama", {"inference_recommended": False})
    page = client.get("/").text
    runtime = " ".join(re.search(r'<span id="runtime-state">(.*?)</span>', page, re.S)[1].split())
    assert runtime == (
        "Ollama 0.5.7: ready · Pieces OS does not recommend local inference on this machine"
    )
    footer = " ".join(re.search(r'<footer id="footer".*?</footer>', page, re.S)[0].split())
    assert "does not recommend local inference" in footer


def test_over_committed_memory_names_the_model_to_unload(panel_factory, simulator_factory):
    small = simulator_factory(memory_gb=4)  # Llama-3 8B (5.80 GB) is loaded at start
    card = machine_card(panel_factory(PIECES_OS_URL=small.url).test_client().get("/").text)
    assert "5.80 GB of 4.00 GB · over-committed by 1.80 GB" in card
    assert "0 GB left" not in card
    assert (
        "Memory is over-committed: the loaded models take 1.80 GB more than the machine's "
        "4.00 GB of RAM, so Pieces OS may swap or refuse the next load. "
        "Unload Llama-3 8B Instruct (5.80 GB) to make room."
    ) in card
    assert "unload it to make room" in card


def test_memory_that_fits_says_what_is_left_and_nothing_to_unload(client):
    card = machine_card(client.get("/").text)
    assert "5.80 GB of 16.00 GB · 10.20 GB left" in card and "over-committed" not in card


def loaded_listed(html: str) -> dict[str, str]:
    """Model id -> its line in the machine card's list of loaded models."""
    section = re.search(r'<dd id="loaded-models">(.*?)</dd>', html, re.S)[1]
    return {
        found[1]: " ".join(found[2].split())
        for found in re.finditer(r'<li data-model-id="([^"]+)">(.*?)</li>', section, re.S)
    }


def test_the_loaded_models_say_who_loaded_each_when_and_what_it_holds(
    operator_client, viewer_client
):
    phi = model_id("Phi-3-mini-4k-instruct")  # downloaded
    llama = model_id("Llama-3 8B Instruct")  # loaded at start
    assert operator_client.post(f"/models/{phi}/load", data={"next": "/"}).status_code == 303
    listed = loaded_listed(viewer_client.get("/").text)
    assert list(listed) == [llama, phi]  # the largest first
    assert re.fullmatch(
        r'<a href="/models/[^"]+">Phi-3-mini-4k-instruct</a> · holds 3\.\d\d GB · loaded by '
        r'operator at <time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</time>',
        listed[phi],
    )
    assert listed[llama].endswith(
        "holds 5.80 GB · loaded outside the panel (or before its log began)"
    )
    operator_client.post(f"/models/{phi}/unload", data={"next": "/"})
    assert list(loaded_listed(viewer_client.get("/").text)) == [llama]
