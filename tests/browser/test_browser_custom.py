"""In Chromium: an admin adds a custom model through its form, then deletes it, confirmed in
place; an operator gets neither button."""

from tests.support.panel_page import expect


def test_an_admin_adds_then_deletes_a_custom_model(open_page, panel_url):
    page = open_page("admin")
    page.get_by_role("link", name="Add a custom model").click()
    page.get_by_label("Name").fill("Team Triage 3B")
    page.get_by_label("Version").fill("1.0.0")
    page.get_by_label("Total").fill("8192")
    page.get_by_label("Input").fill("9000")  # more than the total: refused, nothing added
    page.get_by_role("button", name="Add the model").click()
    expect(page.locator("#max_tokens_input-error")).to_have_text("Cannot be more than the total.")
    page.get_by_label("Input").fill("6000")
    page.get_by_role("button", name="Add the model").click()
    expect(page.locator(".flash")).to_have_text("Added Team Triage 3B.")
    expect(page.locator("h1")).to_have_text("Team Triage 3B")

    page.get_by_role("link", name="Delete this custom model").click()
    expect(page.locator(".confirm")).to_contain_text("Delete the custom model Team Triage 3B?")
    page.get_by_role("button", name="Delete the model").click()
    expect(page).to_have_url(f"{panel_url}/")
    expect(page.locator(".flash")).to_have_text("Deleted Team Triage 3B.")
    expect(page.get_by_role("link", name="Team Triage 3B")).to_have_count(0)
    # Chromium logs the refused form's 422 as a console error; nothing else may appear.
    assert [problem for problem in page.console.problems if "422" not in problem] == []


def test_operators_get_neither_button(open_page):
    page = open_page("operator")
    expect(page.locator("#summary-line")).to_be_visible()
    expect(page.get_by_role("link", name="Add a custom model")).to_have_count(0)
    page.get_by_role("link", name="Acme Support Llama-3 8B (fine-tune)").click()
    expect(page.locator("h1")).to_have_text("Acme Support Llama-3 8B (fine-tune)")
    expect(page.get_by_role("link", name="Delete this custom model")).to_have_count(0)
