"""In Chromium: logging in, the list, downloads, cancel, load and unload, editing."""

import re

from tests.support.panel_page import (
    ALSO_NOT_DOWNLOADED,
    CUSTOM,
    DOWNLOAD_DONE_MS,
    DOWNLOADED,
    NOT_DOWNLOADED,
    card_titles,
    count_live_messages,
    expect,
    live_indicator,
    mark_page,
    model_row,
    progress_above,
    record_card_titles,
    still_marked,
    wait_for_live_messages,
)
from webapp.simulator.catalogue import initial_models


def summary(loaded: int, ram: str, also_downloaded: tuple[str, ...] = ()) -> str:
    """The summary line once the models ``also_downloaded`` joined those downloaded at start."""
    downloaded = [
        model
        for model in initial_models()
        if model.get("downloaded") or model["id"] in also_downloaded
    ]
    disk = sum(model["bytes"]["value"] for model in downloaded) / 1e9
    return (
        f"{len(downloaded)} downloaded (loaded ones included), {disk:.2f} GB on disk · "
        f"{loaded} loaded · "
        f"{ram} of RAM used by loaded models"
    )


def test_logging_in_shows_every_model_with_no_console_errors(open_page):
    page = open_page("viewer")
    expect(page.locator(".session")).to_contain_text("viewer (viewer)")
    names = [model["name"] for model in initial_models()]
    expect(page.locator("tr.model-view")).to_have_count(len(names))
    rows = page.locator("#model-list")  # (the machine card links the loaded ones too)
    for name in names:
        expect(rows.get_by_role("link", name=name, exact=True)).to_be_visible()
    # The live socket opened, so its traffic was seen too.
    expect(live_indicator(page)).to_be_visible()
    assert page.console.problems == []


def test_a_download_advances_by_itself_and_ends_downloaded(open_page):
    page = open_page("operator")
    mark_page(page)
    row = model_row(page, NOT_DOWNLOADED)
    row.get_by_role("button", name="Download").click()
    first = progress_above(page, NOT_DOWNLOADED, 0)
    progress_above(page, NOT_DOWNLOADED, first)
    expect(row.locator(".badge")).to_have_text("downloaded", timeout=DOWNLOAD_DONE_MS)
    expect(row.locator("progress")).to_have_count(0)
    expect(row.get_by_role("button", name="Load")).to_be_visible()
    expect(page.locator("#summary-line")).to_have_text(
        summary(1, "5.80 GB", also_downloaded=(NOT_DOWNLOADED,))
    )
    assert still_marked(page), "the page was reloaded"
    assert page.console.problems == []


def test_cancel_load_and_unload_and_the_summary_follows(open_page):
    page = open_page("operator")
    mark_page(page)
    totals = page.locator("#summary-line")
    expect(totals).to_have_text(summary(1, "5.80 GB"))

    downloading = model_row(page, ALSO_NOT_DOWNLOADED)
    downloading.get_by_role("button", name="Download").click()
    progress_above(page, ALSO_NOT_DOWNLOADED, 0)
    downloading.get_by_role("button", name="Cancel download").click()
    expect(downloading.locator(".badge")).to_have_text("not downloaded")
    expect(downloading.locator("progress")).to_have_count(0)
    expect(downloading.get_by_role("button", name="Download")).to_be_visible()

    row = model_row(page, DOWNLOADED)
    row.get_by_role("button", name="Load").click()
    expect(row.locator(".badge")).to_have_text("loaded")
    expect(totals).to_have_text(summary(2, "9.00 GB"))
    row.get_by_role("button", name="Unload").click()
    expect(row.locator(".badge")).to_have_text("downloaded")
    expect(totals).to_have_text(summary(1, "5.80 GB"))
    assert still_marked(page), "the page was reloaded"
    assert page.console.problems == []


def test_an_admin_edits_a_custom_model_and_an_invalid_value_shows_its_error(open_page):
    page = open_page("admin", f"/models/{CUSTOM}")
    page.get_by_role("link", name="Edit this custom model").click()
    parameters = page.get_by_label("Parameters (billions)")
    parameters.fill("lots")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Please correct the fields marked below; nothing was saved."
    )
    expect(page.locator("#parameters-error")).to_have_text("Enter a number.")
    expect(parameters).to_have_attribute("aria-invalid", "true")

    parameters.fill("8.5")
    page.get_by_label("Description").fill("Fine-tuned on this year's support tickets.")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(f"/models/{CUSTOM}$"))
    expect(page.locator(".flash")).to_have_text("Saved Acme Support Llama-3 8B (fine-tune).")
    card = model_row(page, CUSTOM)
    expect(card.locator(".description")).to_have_text("Fine-tuned on this year's support tickets.")
    expect(card.locator("dt:text-is('Parameters') + dd")).to_have_text("8.5 B")


def test_after_a_save_every_page_shows_the_saved_model_and_never_the_old_one(open_page):
    # A viewer on the same page: the panel's live feed for that page holds the old card.
    viewer = open_page("viewer", f"/models/{CUSTOM}")
    expect(live_indicator(viewer)).to_be_visible()
    page = open_page("admin", f"/models/{CUSTOM}/edit")
    record_card_titles(page)
    count_live_messages(page)
    page.get_by_label("Name").fill("Acme Support Llama-3 8B v2")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Saved Acme Support Llama-3 8B v2.")
    # The card as the page came, and as its live socket sent it since, if it did.
    wait_for_live_messages(page, 1)
    titles = card_titles(page, at_least=1)
    assert titles and set(titles) == {"Acme Support Llama-3 8B v2"}, titles
    expect(viewer.locator(".card h1")).to_have_text("Acme Support Llama-3 8B v2")
