"""In Chromium: the machine card, the Load buttons' fit warnings, and the local runtime, all
kept current live while another window acts."""

import requests

from tests.support.panel_page import expect, mark_page, model_row, still_marked
from webapp.simulator.catalogue import model_id

#: An install of the runtime takes as long as a download in the browser tests' simulator.
DOWNLOAD_DONE_MS = 20_000

CUSTOM_6_1_GB = model_id("Acme Support Llama-3 8B (fine-tune)")
QWEN_6_3_GB = model_id("Qwen2.5-Coder 7B Instruct")


def test_a_load_elsewhere_makes_the_fit_warning_appear_before_anyone_clicks(open_page):
    watcher = open_page("admin")
    mark_page(watcher)
    card = watcher.locator("#machine")
    expect(card).to_contain_text("Machine: simulated-workstation")
    expect(watcher.locator("#memory-in-use")).to_have_text("5.80 GB of 16.00 GB · 10.20 GB left")
    qwen = model_row(watcher, QWEN_6_3_GB)
    expect(qwen.get_by_role("button", name="Load")).to_be_visible()
    expect(qwen.locator(".fit-warning")).to_have_count(0)

    actor = open_page("operator")
    model_row(actor, CUSTOM_6_1_GB).get_by_role("button", name="Load").click()
    expect(model_row(actor, CUSTOM_6_1_GB).locator(".badge-loaded")).to_be_visible()

    expect(watcher.locator("#memory-in-use")).to_have_text("11.90 GB of 16.00 GB · 4.10 GB left")
    expect(qwen.locator(".fit-warning")).to_have_text(
        "May not fit: it needs 6.30 GB of RAM and 4.10 GB is left (2.20 GB short). "
        "Pieces OS may refuse it; you can still try."
    )
    expect(qwen.get_by_role("button", name="Load")).to_be_enabled()
    assert still_marked(watcher), "the page was reloaded"
    assert watcher.console.problems == []


def test_ollama_install_progress_moves_on_the_machine_card(open_page, pieces_os):
    page = open_page("operator")
    runtime = page.locator("#runtime-state")
    expect(runtime).to_have_text("Ollama 0.5.7: ready")
    for percentage in (20, 70):
        requests.post(
            f"{pieces_os.url}/__sim/ollama",
            timeout=5,
            json={"state": "installing", "percentage": percentage},
        )
        expect(runtime).to_contain_text(f"Ollama 0.5.7: installing ({percentage} %)")
        expect(runtime.locator("progress")).to_have_attribute("value", f"{percentage}.0")
    # Meanwhile local buttons say why they will not work.
    expect(model_row(page, CUSTOM_6_1_GB).locator(".runtime-note")).to_contain_text(
        "Pieces OS is installing Ollama"
    )
    requests.post(f"{pieces_os.url}/__sim/ollama", timeout=5, json={"state": "installed"})
    expect(runtime).to_have_text("Ollama 0.5.7: ready")
    expect(model_row(page, CUSTOM_6_1_GB).locator(".runtime-note")).to_have_count(0)


def test_an_admin_reinstalls_the_runtime_from_the_card_while_a_viewer_watches(open_page):
    viewer = open_page("viewer", "/activity")
    admin = open_page("admin")
    runtime = admin.locator("#runtime-state")
    expect(runtime).to_have_text("Ollama 0.5.7: ready")
    admin.get_by_role("link", name="Uninstall Ollama").click()
    expect(admin.get_by_text("Uninstall Ollama from Pieces OS?")).to_be_visible()
    admin.get_by_role("button", name="Uninstall Ollama").click()
    expect(admin.get_by_role("status").filter(has_text="Uninstalled Ollama 0.5.7.")).to_be_visible()
    expect(runtime).to_have_text("Ollama: missing")
    expect(viewer.locator("#notices")).to_contain_text("Ollama, which runs local models, is not")

    admin.get_by_role("button", name="Install Ollama").click()
    expect(admin.get_by_text("Installing Ollama: every page shows its progress")).to_be_visible()
    expect(runtime).to_contain_text("Ollama 0.5.7: installing (")
    expect(admin.locator("#machine")).to_contain_text("(install asked by admin)")
    expect(viewer.locator("#notices")).to_contain_text("Pieces OS is installing Ollama")
    expect(runtime).to_have_text("Ollama 0.5.7: ready", timeout=DOWNLOAD_DONE_MS)
    expect(viewer.locator("#notices")).to_be_empty()
    expect(viewer.locator("#activity-list")).to_contain_text("Ollama 0.5.7 installed.")
    expect(admin.get_by_role("button", name="Install Ollama")).to_have_count(0)
    assert admin.console.problems == [] and viewer.console.problems == []


def test_while_pieces_os_is_down_the_page_says_what_is_last_known_and_actions_wait(
    open_page, pieces_os
):
    page = open_page("operator")
    load = model_row(page, CUSTOM_6_1_GB).get_by_role("button", name="Load")
    expect(load).to_be_enabled()
    mark_page(page)

    pieces_os.stop()
    expect(page.locator("#footer .last-known")).to_contain_text("Pieces OS is not answering")
    expect(page.locator("#machine .last-known")).to_contain_text("last known, as of")
    expect(load).to_be_disabled()
    expect(page.get_by_role("button", name="Unload everything")).to_be_disabled()

    pieces_os.start()
    expect(page.locator(".last-known")).to_have_count(0)
    expect(page.locator("#model-list")).not_to_contain_text("as of")
    expect(load).to_be_enabled()
    assert still_marked(page), "the page was reloaded"
    assert page.console.problems == []
