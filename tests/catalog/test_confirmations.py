"""What a confirmation gives the keyboard (tests/browser/test_browser_confirmations.py presses
the keys): a question that takes focus, and a "Keep it" that puts back what the box replaced
(in place) or leads back to the control that opened it (a page of its own)."""

import re

import pytest

from tests.support.models import HTMX, model_in_state, rows

ASKED_IN_PLACE = {"view": "row", "next": "/?state=downloaded"}


def keep_it(html: str) -> str:
    return re.search(r'<a class="button confirm-keep"[^>]*>Keep it</a>', html, re.S)[0]


def test_the_question_can_take_focus(operator_client, simulator):
    model = model_in_state(simulator, "downloaded")
    asked = operator_client.get(
        f"/models/{model.id}/delete-files", query_string=ASKED_IN_PLACE, headers=HTMX
    ).text
    assert '<p class="confirm-question" tabindex="-1">' in asked


def test_keep_it_in_place_puts_the_row_back_and_names_its_opener(operator_client, simulator):
    model = model_in_state(simulator, "downloaded")
    asked = operator_client.get(
        f"/models/{model.id}/delete-files", query_string=ASKED_IN_PLACE, headers=HTMX
    ).text
    link = keep_it(asked)
    assert 'data-opener="action-delete-files"' in link
    assert 'hx-target="closest .model-view" hx-swap="outerHTML"' in link
    keep_url = re.search(r'hx-get="([^"]+)"', link)[1].replace("&amp;", "&")
    back = operator_client.get(keep_url, headers=HTMX)
    assert back.status_code == 200 and "HX-Request" in back.headers["Vary"]
    state, row = rows(back.text)[model.id]
    assert state == "downloaded" and "confirm" not in row
    assert 'class="button button-danger action-delete-files"' in row  # the opener, back
    assert '<input type="hidden" name="next" value="/?state=downloaded">' in row


def test_a_cancel_of_someone_elses_download_names_its_cancel_button(
    client, operator_client, simulator
):
    model = model_in_state(simulator, "loaded")  # loaded outside the panel: asked first
    asked = operator_client.post(
        f"/models/{model.id}/unload", data={"view": "row", "next": "/"}, headers=HTMX
    ).text
    assert 'data-opener="action-unload"' in keep_it(asked)


def test_a_card_comes_back_as_a_card(operator_client, simulator):
    model = model_in_state(simulator, "downloaded")
    back = operator_client.get(f"/models/{model.id}/view?view=card&next=/", headers=HTMX)
    assert back.text.lstrip().startswith(f'<article id="model-{model.id}" class="model-view card"')


@pytest.mark.parametrize(
    ("query", "status"), [("view=table", 400), ("view=row&next=//evil.example", 200)]
)
def test_the_view_route_checks_what_it_is_given(viewer_client, simulator, query, status):
    model = model_in_state(simulator, "downloaded")
    response = viewer_client.get(f"/models/{model.id}/view?{query}", headers=HTMX)
    assert response.status_code == status
    assert "evil.example" not in response.text


def test_a_model_gone_is_said_in_its_place(viewer_client):
    response = viewer_client.get(
        "/models/1d2c3b4a-0000-4000-8000-000000000000/view?view=row", headers=HTMX
    )
    assert response.status_code == 410 and "row-error" in response.text


def test_pages_of_their_own_lead_back_to_the_button_that_opened_them(client, simulator):
    assert 'href="/users#remove-viewer">Keep it</a>' in client.get("/users/viewer/remove").text
    assert 'id="remove-viewer"' in client.get("/users").text
    model_in_state(simulator, "loaded")
    assert 'id="unload-all"' in client.get("/").text
    asked = client.get("/unload-all?next=/%3Fq%3Dllama").text
    assert 'href="/?q=llama#unload-all">Keep it</a>' in asked
