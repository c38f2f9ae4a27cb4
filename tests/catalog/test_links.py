"""Model URLs built once per request (catalog.links.model_url) read as url_for writes them."""

import pytest
from flask import url_for

from webapp.catalog.links import model_url

ODD_IDS = [
    "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11",
    "a/b",
    "~tilde",
    "a b?c#d",
    "é",
    "100%",
    "model-id",
    "model-id/model-id",
]


@pytest.mark.parametrize("script_root", ["", "/panel/model-id"])
def test_model_url_is_what_url_for_builds(panel, script_root):
    with panel.test_request_context("/?q=model-id", base_url=f"http://localhost{script_root}"):
        for model_id in ODD_IDS:
            for endpoint, values in (
                ("catalog.detail", {}),
                ("actions.act", {"action_name": "load"}),
                ("cleanup.confirm_delete_files", {"view": "row", "next": "/?q=model-id"}),
            ):
                assert model_url(endpoint, model_id, **values) == url_for(
                    endpoint, model_id=model_id, **values
                ), (endpoint, model_id)
