"""Bad upstream data: whatever Pieces OS sends, the pages render, show it, and escape it.

Valid but strange payloads are generated with Hypothesis (tests/payloads.py) and served by the
simulator; answers the simulator cannot give (not JSON, wrong content type, no list) come from
the programmable stub.
"""

import json
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from tests.support.payloads import as_shown, broken_models, model_lists, models
from tests.support.servers import serve_in_thread
from tests.support.stub_upstream import StubUpstream
from webapp.simulator.catalogue import initial_models

UNEXPECTED = "Pieces OS sent something unexpected"
HTMX = {"HX-Request": "true"}
STUB_MODEL_ID = "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11"

# One simulator (and one panel) per test function, new data for each example.
examples = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


class _StartTags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_no_markup_from_data(html: str) -> None:
    """Only the templates' own elements: no markup from the payloads, no inline script, no
    event-handler attribute anywhere."""
    assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
    for tag, attrs in _StartTags(html).tags:
        if tag in ("script", "img"):
            assert attrs.get("src", "").startswith("/static/"), (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)


def shown(text: str) -> str:
    """`text` as it appears in the page's HTML source."""
    return str(escape(as_shown(text)))


def shown_label(enum_value: str) -> str:
    """Enum values are shown with spaces for underscores (unknown ones too), "–" when empty."""
    return shown(enum_value.replace("_", " ")) if enum_value else "–"


def assert_row_shows(html: str, model: dict) -> None:
    assert shown(model["name"]) in html
    for key in ("unique", "quantization"):
        if key in model:
            assert shown(model[key]) in html, key
    for key in ("provider", "foundation"):
        if key in model:
            assert shown_label(model[key]) in html, key


def assert_card_shows(html: str, model: dict) -> None:
    assert_row_shows(html, model)
    for key in ("version", "description"):
        if model.get(key):
            assert shown(model[key]) in html, key
    for key in ("type", "usage"):
        assert shown_label(model[key]) in html, key
    if "organization" in model:
        assert shown(model["organization"]["id"]) in html


def serve(simulator, payload: list) -> None:
    answer = simulator.control("PUT", "models", payload)
    assert answer.status_code == 200, answer.text


# -- valid payloads, served by the simulator ----------------------------------------------------


@examples
@given(payload=model_lists())
def test_list_page_shows_every_model_escaped(client, simulator, payload):
    serve(simulator, payload)
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert UNEXPECTED not in html
    assert f"Showing {len(payload)} of {len(payload)} models" in html
    for model in payload:
        assert_row_shows(html, model)
    assert_no_markup_from_data(html)


@examples
@given(model=models())
def test_detail_page_shows_the_model_escaped(client, simulator, model):
    serve(simulator, [model])
    response = client.get(f"/models/{model['id']}")
    assert response.status_code == 200
    assert UNEXPECTED not in response.text
    assert_card_shows(response.text, model)
    assert_no_markup_from_data(response.text)


# -- payloads that break the schema ------------------------------------------------------------


@examples
@given(payload=model_lists(max_size=3), broken=broken_models(), data=st.data())
def test_one_broken_model_is_shown_as_such_and_the_others_still_work(
    client, simulator, payload, broken, data
):
    broken_id = broken.get("id") if isinstance(broken, dict) else None
    payload = [model for model in payload if model["id"] != broken_id]
    payload.insert(data.draw(st.integers(0, len(payload)), label="position"), broken)
    serve(simulator, payload)
    response = client.get("/")
    assert response.status_code == 200
    assert UNEXPECTED in response.text and 'data-state="unreadable"' in response.text
    for model in payload:
        if model is not broken:
            assert_row_shows(response.text, model)
            assert f'href="/models/{model["id"]}' in response.text
    assert_no_markup_from_data(response.text)


@pytest.fixture
def stub():
    upstream = StubUpstream()
    server = serve_in_thread(upstream)
    upstream.url = server.url
    yield upstream
    server.stop()


@pytest.fixture
def stub_client(panel_factory, stub):
    return panel_factory(PIECES_OS_URL=stub.url, PIECES_OS_READ_TIMEOUT=2.0).test_client()


def pages_reading_one_model(client):
    """The detail page, an action (which reads the model first) and the edit form."""
    return {
        "detail": client.get(f"/models/{STUB_MODEL_ID}"),
        "action": client.post(f"/models/{STUB_MODEL_ID}/load", data={"next": "/"}, headers=HTMX),
        "edit": client.get(f"/models/{STUB_MODEL_ID}/edit"),
    }


@settings(examples, max_examples=30)
@given(broken=broken_models())
def test_pages_reading_a_broken_model_say_so(stub, stub_client, broken):
    stub.answer(body=json.dumps(broken))
    for page, response in pages_reading_one_model(stub_client).items():
        assert response.status_code == 200, page
        assert UNEXPECTED in response.text, page
        assert_no_markup_from_data(response.text)


VALID_MODEL = initial_models()[0]
NOT_A_MODELS_OBJECT = {
    "not JSON at all": ("Internal error, see logs", "application/json"),
    "an HTML page": (
        "<!doctype html><script>alert(1)</script><img src=x onerror=alert(1)>",
        "text/html",
    ),
    "JSON labelled text/html": (
        json.dumps({"iterable": [VALID_MODEL]}),
        "text/html; charset=utf-8",
    ),
    "no content type": (json.dumps({"iterable": []}), ""),
    "empty body": ("", "application/json"),
    "truncated JSON": ('{"iterable": [{"id": "a", "na', "application/json"),
    "invalid UTF-8": (b'{"iterable": ["\xff\xfe"]}', "application/json"),
    "a number of 5000 digits": ('{"iterable": [], "n": 1' + "0" * 5000 + "}", "application/json"),
    "iterable missing": ("{}", "application/json"),
    "iterable null": ('{"iterable": null}', "application/json"),
    "iterable an object": (json.dumps({"iterable": {"0": VALID_MODEL}}), "application/json"),
    "iterable a string": ('{"iterable": "[]"}', "application/json"),
    "a bare list": (json.dumps([VALID_MODEL]), "application/json"),
    "null": ("null", "application/json"),
}


@pytest.mark.parametrize(
    "body, content_type", NOT_A_MODELS_OBJECT.values(), ids=NOT_A_MODELS_OBJECT.keys()
)
def test_answer_that_is_not_a_models_object(stub, stub_client, body, content_type):
    stub.answer(body=body, content_type=content_type)
    responses = {"list": stub_client.get("/"), **pages_reading_one_model(stub_client)}
    for page, response in responses.items():
        assert response.status_code == 200, page
        assert UNEXPECTED in response.text, page
        assert_no_markup_from_data(response.text)


NON_STANDARD_NUMBERS = {
    "parameters": "NaN",
    "bytes": '{"value": Infinity, "readable": "?"}',
    "ram": '{"value": -Infinity, "readable": "?"}',
    "maxTokens": '{"total": Infinity, "input": NaN}',
}


def with_non_standard_numbers(model: dict) -> str:
    """The model as JSON with NaN and Infinity, which Python's decoder accepts."""
    text = json.dumps(
        {key: value for key, value in model.items() if key not in NON_STANDARD_NUMBERS}
    )
    extra = ", ".join(f'"{key}": {value}' for key, value in NON_STANDARD_NUMBERS.items())
    return text[:-1] + ", " + extra + "}"


def test_nan_and_infinity_are_shown_as_unknown(stub, stub_client):
    model = with_non_standard_numbers(VALID_MODEL)
    stub.answer(body='{"iterable": [' + model + "]}")
    listed = stub_client.get("/")
    stub.answer(body=model)
    detail = stub_client.get(f"/models/{VALID_MODEL['id']}")
    assert listed.status_code == detail.status_code == 200
    for cell in ("Parameters", "Size", "RAM", "Context"):
        assert f'<td data-label="{cell}">–</td>' in listed.text, cell
    for field in ("Parameters", "Size on disk", "RAM when loaded"):
        assert f"<dt>{field}</dt><dd>–</dd>" in detail.text, field
    assert "total –, input –, output –" in detail.text
    for response in (listed, detail):
        assert shown(VALID_MODEL["name"]) in response.text and UNEXPECTED not in response.text


def test_unknown_keys_around_the_list_are_ignored(stub, stub_client):
    body = {
        "iterable": [VALID_MODEL],
        "schema": {"migration": 0, "semantic": "X"},
        "cursor": None,
        "<b>": "<script>alert(1)</script>",
    }
    stub.answer(body=json.dumps(body))
    response = stub_client.get("/")
    assert response.status_code == 200
    assert shown(VALID_MODEL["name"]) in response.text and UNEXPECTED not in response.text
    assert_no_markup_from_data(response.text)


def test_an_id_that_is_not_text_shows_as_unreadable_and_the_others_still_work(client, simulator):
    """A lone surrogate is legal in JSON ("\\ud800") but has no UTF-8: rendered, it broke the
    whole page (500) and the live updates of every list page."""
    odd, fine = initial_models()[:2]
    serve(simulator, [{**odd, "id": "sur\ud800rogate"}, fine])
    response = client.get("/")
    assert response.status_code == 200
    assert 'data-state="unreadable"' in response.text and "half a UTF-16 pair" in response.text
    assert_row_shows(response.text, fine)
