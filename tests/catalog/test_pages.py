"""The list and detail pages, rendered by the panel against the simulator on loopback."""

import re

import pytest
import requests

from tests.support.models import rows, upstream_models


class TestList:
    def test_every_model_is_listed_with_its_columns(self, client, simulator):
        html = client.get("/").text
        listed = rows(html)
        models = upstream_models(simulator)
        assert set(listed) == {model.id for model in models}
        for model in models:
            state, body = listed[model.id]
            assert state == model.state
            assert model.name in body
            if model.unique:
                assert model.unique in body
        assert f"Showing {len(models)} of {len(models)} models" in html

    def test_every_state_has_a_badge(self, client, simulator):
        html = client.get("/").text
        for state in ("cloud", "not downloaded", "downloaded", "loaded", "custom", "denied"):
            assert f'class="badge badge-{state.replace(" ", "-")}"' in html, state

    def test_summary_counts_downloaded_loaded_and_ram(self, client, simulator):
        models = upstream_models(simulator)
        loaded = [model for model in models if model.loaded]
        ram = sum(model.ram_bytes for model in loaded) / 1e9
        disk = sum(model.size_bytes for model in models if model.downloaded) / 1e9
        html = client.get("/").text
        summary = re.search(r'<p id="summary-line">(.*?)</p>', html, re.S)
        text = " ".join(summary.group(1).split())
        assert text == (
            f"{sum(m.downloaded for m in models)} downloaded (loaded ones included), "
            f"{disk:.2f} GB on disk · "
            f"{len(loaded)} loaded · {ram:.2f} GB of RAM used by loaded models"
        )

    def test_search_matches_name_and_tag(self, client, simulator):
        models = upstream_models(simulator)
        target = next(model for model in models if model.unique and not model.cloud)
        listed = rows(client.get("/", query_string={"q": target.unique.upper()}).text)
        assert target.id in listed
        assert all(
            target.unique.casefold() in model.unique.casefold()
            for model in models
            if model.id in listed and model.unique
        )

    @pytest.mark.parametrize("place, cloud", [("local", False), ("cloud", True)])
    def test_filter_by_place(self, client, simulator, place, cloud):
        listed = rows(client.get("/", query_string={"place": place}).text)
        expected = {model.id for model in upstream_models(simulator) if model.cloud is cloud}
        assert set(listed) == expected and expected

    @pytest.mark.parametrize("state", ["loaded", "custom", "cloud", "denied", "not downloaded"])
    def test_filter_by_state(self, client, simulator, state):
        listed = rows(client.get("/", query_string={"state": state}).text)
        expected = {model.id for model in upstream_models(simulator) if state in model.badges}
        assert set(listed) == expected and expected

    def test_downloaded_counts_loaded_models_in_the_filter_as_in_the_summary(self, client):
        """A loaded model's files are on this machine: the summary counts it as downloaded,
        and the State=downloaded filter shows it too (its badge says loaded)."""
        summary = re.search(r'<p id="summary-line">\s*(\d+) downloaded', client.get("/").text)
        listed = rows(client.get("/", query_string={"state": "downloaded"}).text)
        assert len(listed) == int(summary[1])
        assert {"downloaded", "loaded"} == {state for state, _row in listed.values()}

    def test_filter_by_provider(self, client, simulator):
        models = upstream_models(simulator)
        provider = next(model.provider for model in models if model.provider)
        listed = rows(client.get("/", query_string={"provider": provider}).text)
        assert set(listed) == {model.id for model in models if model.provider == provider}

    @pytest.mark.parametrize(
        "sort, key, reverse",
        [
            ("size", "size_bytes", False),
            ("-size", "size_bytes", True),
            ("ram", "ram_bytes", False),
            ("-name", "name", True),
        ],
    )
    def test_sort(self, client, simulator, sort, key, reverse):
        by_id = {model.id: model for model in upstream_models(simulator)}
        order = [by_id[model_id] for model_id in rows(client.get(f"/?sort={sort}").text)]
        values = [getattr(model, key) or 0 for model in order]
        if key == "name":
            values = [value.casefold() for value in values]
        assert values == sorted(values, reverse=reverse)

    def test_htmx_request_gets_only_the_list(self, client):
        response = client.get("/?place=cloud", headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section id="model-list"')
        assert "<html" not in response.text and 'id="filters"' not in response.text
        assert "HX-Request" in response.headers["Vary"]
        assert "HX-Request" in client.get("/").headers["Vary"]

    def test_same_url_without_javascript_renders_the_same_rows(self, client):
        url = "/?place=local&sort=-size"
        fragment = rows(client.get(url, headers={"HX-Request": "true"}).text)
        page = rows(client.get(url).text)
        assert list(fragment) == list(page)

    def test_filters_are_kept_in_the_form_and_links(self, client):
        html = client.get("/?q=llama&state=downloaded&sort=-ram").text
        assert 'value="llama"' in html
        assert '<option value="downloaded" selected>' in html
        assert '<option value="-ram" selected>' in html

    @pytest.mark.parametrize(
        "query",
        ["state=broken", "place=moon", "sort=price", "q=" + "x" * 201, "provider=" + "p" * 101],
    )
    def test_bad_filter_values_are_400(self, client, query):
        response = client.get(f"/?{query}")
        assert response.status_code == 400
        assert "must be one of" in response.text or "longer than" in response.text


class TestBanners:
    def test_simulator_banner(self, panel_factory, simulator):
        html = panel_factory(PIECES_OS_SIMULATED=True).test_client().get("/").text
        assert "built-in Pieces OS simulator" in html
        assert "built-in Pieces OS simulator" not in panel_factory().test_client().get("/").text

    def test_unreachable_is_a_banner_with_the_url_and_retry(self, panel_factory, closed_port_url):
        client = panel_factory(PIECES_OS_URL=closed_port_url).test_client()
        response = client.get("/?place=local")
        assert response.status_code == 200
        assert f"Pieces OS is not reachable at <code>{closed_port_url}</code>" in response.text
        assert '<a class="button" href="/?place=local">Retry</a>' in response.text

    @pytest.mark.parametrize(
        "fault, message",
        [
            (
                {"status": 500, "text": "database is locked"},
                "Pieces OS answered 500: database is locked",
            ),
            ({"delay_seconds": 1.5}, "Pieces OS did not answer within 0.5 s"),
        ],
    )
    def test_upstream_failures_are_banners(self, panel_factory, simulator, fault, message):
        simulator.control("POST", "faults", {"route": "list", **fault})
        response = panel_factory(PIECES_OS_READ_TIMEOUT=0.5).test_client().get("/")
        assert response.status_code == 200
        assert message in response.text

    def test_malformed_list_is_a_banner(self, client, simulator):
        simulator.control("PUT", "models", [{"name": "no id at all"}])
        response = client.get("/")
        assert response.status_code == 200
        assert "Pieces OS sent something unexpected" in response.text


class TestDetail:
    def test_every_field_is_readable(self, client, simulator):
        model = next(
            m
            for m in upstream_models(simulator)
            if m.max_tokens and m.capabilities and m.size_bytes and not m.cloud
        )
        html = client.get(f"/models/{model.id}").text
        assert f"<h1>{model.name}</h1>" in html
        assert f"{model.size_bytes / 1e9:.2f} GB" in html
        assert model.created.strftime("%d %b %Y") in html
        assert f"total {model.max_tokens.total:,.0f}" in html
        for capability in model.capabilities:
            assert f"<li>{capability}</li>" in html
        assert f'<article id="model-{model.id}" class="model-view card" data-state=' in html

    def test_unknown_enum_values_are_shown_raw(self, client, simulator):
        model = upstream_models(simulator)[0]
        simulator.control(
            "PATCH", f"model/{model.id}", {"provider": "BRAND_NEW_LAB", "foundation": "GPT_9.5"}
        )
        html = client.get(f"/models/{model.id}").text
        assert "BRAND NEW LAB" in html and "GPT 9.5" in html

    def test_back_link_keeps_the_list_filters(self, client, simulator):
        model = upstream_models(simulator)[0]
        list_html = client.get("/?state=cloud&sort=-name").text
        assert (
            f'href="/models/{model.id}?state=cloud&amp;sort=-name"' in list_html
            or model.id not in rows(list_html)
        )
        detail = client.get(f"/models/{model.id}?state=cloud&sort=-name").text
        assert 'href="/?state=cloud&amp;sort=-name">← All models' in detail

    def test_gone_model_is_404_with_a_message(self, client):
        response = client.get("/models/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404
        assert "no longer exists" in response.text

    def test_htmx_request_gets_only_the_card(self, client, simulator):
        model = upstream_models(simulator)[0]
        response = client.get(f"/models/{model.id}", headers={"HX-Request": "true"})
        assert response.text.lstrip().startswith("<article") and "<html" not in response.text


class TestEscaping:
    PAYLOADS = {
        "name": "<script>alert('name')</script>",
        "description": '"><img src=x onerror=alert(1)>',
    }

    def test_markup_in_model_strings_is_escaped(self, client, simulator):
        model = next(m for m in upstream_models(simulator) if m.custom)
        simulator.control("PATCH", f"model/{model.id}", dict(self.PAYLOADS))
        for url in (
            "/",
            f"/models/{model.id}",
            f"/models/{model.id}/edit",
            f"/?q={self.PAYLOADS['name']}",
        ):
            html = client.get(url).text
            assert "<script>alert" not in html and "<img src=x" not in html, url
            assert "&lt;script&gt;alert(" in html, url


class TestBadIds:
    """Ids from the browser that no model can have: empty, too long, control characters."""

    BAD_IDS = ["..", "%2e%2e", "x" * 1000, "a%00b", "a%0Ab", "%7F", "~"]

    @pytest.mark.parametrize("bad_id", BAD_IDS)
    @pytest.mark.parametrize(
        "method, template",
        [
            ("GET", "/models/{}"),
            ("GET", "/models/{}/edit"),
            ("POST", "/models/{}/edit"),
            ("POST", "/models/{}/download"),
            ("POST", "/models/{}/cancel"),
            ("POST", "/models/{}/load"),
            ("POST", "/models/{}/unload"),
        ],
    )
    def test_bad_ids_are_400_and_reach_nothing_upstream(
        self, client, simulator, bad_id, method, template
    ):
        before = simulator.stats()["requests_total"]
        response = client.open(template.format(bad_id), method=method)
        assert response.status_code == 400
        assert "model id" in response.text
        assert simulator.stats()["requests_total"] == before


class TestAroundThePages:
    def test_healthz_when_reachable(self, client, simulator):
        version = requests.get(f"{simulator.url}/.well-known/version", timeout=5).text
        body = client.get("/healthz").json
        assert body == {
            "panel": "ok",
            "pieces_os": {"reachable": True, "version": version, "error": None, "simulated": False},
        }

    def test_healthz_when_unreachable(self, panel_factory, closed_port_url):
        response = panel_factory(PIECES_OS_URL=closed_port_url).test_client().get("/healthz")
        assert response.status_code == 200
        assert response.json["pieces_os"]["reachable"] is False
        assert "not reachable" in response.json["pieces_os"]["error"]

    def test_healthz_tells_anonymous_callers_only_ok_or_unreachable(
        self, panel_factory, anonymous_client, closed_port_url
    ):
        assert anonymous_client.get("/healthz").json == {"panel": "ok", "pieces_os": "ok"}
        down = panel_factory(PIECES_OS_URL=closed_port_url).test_client(user=None)
        assert down.get("/healthz").json == {"panel": "ok", "pieces_os": "unreachable"}

    def test_healthz_asked_often_asks_pieces_os_once_in_a_while(self, anonymous_client, simulator):
        before = simulator.stats()["requests"].get("version", 0)
        for _ in range(50):
            assert anonymous_client.get("/healthz").status_code == 200
        assert simulator.stats()["requests"].get("version", 0) - before <= 1

    @pytest.mark.parametrize("url", ["/", "/?state=loaded"])
    def test_pages_run_under_a_strict_csp(self, client, url):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        html = response.text
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "inline script"
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
        assert "hx-on" not in html

    def test_detail_page_runs_under_a_strict_csp(self, client, simulator):
        model = upstream_models(simulator)[0]
        html = client.get(f"/models/{model.id}").text
        assert " style=" not in html and "<style" not in html and "hx-on" not in html
