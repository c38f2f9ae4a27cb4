"""In Chromium: deleting a model's files and unloading everything, each confirmed first (in
place with JavaScript, on a page of its own without), for operators only; and unloading a
teammate's model asks first."""

from tests.support.panel_page import (
    DOWNLOADED,
    expect,
    mark_page,
    model_row,
    still_marked,
)
from webapp.simulator.catalogue import model_id

LOADED_AT_START = model_id("Llama-3 8B Instruct")


def test_delete_files_asks_in_place_and_every_page_sees_the_row_change(open_page):
    page = open_page("operator")
    watcher = open_page("viewer")
    mark_page(page)
    row = model_row(page, DOWNLOADED)
    row.get_by_role("link", name="Delete files").click()
    expect(row).to_contain_text("Delete the downloaded files of Phi-3-mini-4k-instruct?")
    expect(model_row(watcher, DOWNLOADED).locator(".badge")).to_have_text("downloaded")
    row.get_by_role("button", name="Delete files").click()
    expect(row.locator(".badge")).to_have_text("not downloaded")
    expect(row.get_by_role("button", name="Download")).to_be_visible()
    expect(model_row(watcher, DOWNLOADED).locator(".badge")).to_have_text("not downloaded")
    assert still_marked(page), "the page was reloaded"
    assert page.console.problems == [] and watcher.console.problems == []


def test_keep_it_leaves_the_files(open_page, panel_url):
    page = open_page("operator")
    row = model_row(page, DOWNLOADED)
    row.get_by_role("link", name="Delete files").click()
    row.get_by_role("link", name="Keep it").click()
    expect(page).to_have_url(f"{panel_url}/")
    expect(model_row(page, DOWNLOADED).locator(".badge")).to_have_text("downloaded")


def test_without_javascript_the_confirmation_is_a_page(open_page, panel_url):
    page = open_page("operator", javascript=False)
    model_row(page, DOWNLOADED).get_by_role("link", name="Delete files").click()
    expect(page.locator("h1")).to_have_text("Are you sure?")
    page.get_by_role("button", name="Delete files").click()
    expect(page).to_have_url(f"{panel_url}/")
    expect(page.locator(".flash")).to_have_text(
        "Deleted the downloaded files of Phi-3-mini-4k-instruct."
    )
    expect(model_row(page, DOWNLOADED).locator(".badge")).to_have_text("not downloaded")


def test_unload_everything_is_confirmed_then_done(open_page, panel_url):
    page = open_page("operator")
    page.get_by_role("link", name="Unload everything").click()
    expect(page.locator(".confirm")).to_contain_text("Llama-3 8B Instruct")
    page.get_by_role("button", name="Unload everything").click()
    expect(page).to_have_url(f"{panel_url}/")
    expect(page.locator(".flash")).to_have_text("Unloaded 1 model: Llama-3 8B Instruct.")
    expect(model_row(page, LOADED_AT_START).locator(".badge")).to_have_text("downloaded")
    expect(page.get_by_role("link", name="Unload everything")).to_have_count(0)
    assert page.console.problems == []


def test_unloading_a_model_loaded_outside_the_panel_asks_first(open_page):
    page = open_page("operator")
    mark_page(page)
    row = model_row(page, LOADED_AT_START)
    row.get_by_role("button", name="Unload").click()
    expect(row).to_contain_text("loaded by somebody outside the panel")
    expect(row.locator(".badge")).to_have_text("loaded")
    row.get_by_role("button", name="Unload").click()
    expect(row.locator(".badge")).to_have_text("downloaded")
    assert still_marked(page), "the page was reloaded"


def test_viewers_get_no_destructive_buttons(open_page):
    page = open_page("viewer")
    expect(model_row(page, DOWNLOADED).locator(".badge")).to_have_text("downloaded")
    expect(page.get_by_role("link", name="Delete files")).to_have_count(0)
    expect(page.get_by_role("link", name="Unload everything")).to_have_count(0)
