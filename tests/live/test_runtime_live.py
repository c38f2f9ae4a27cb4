"""An admin installs the local runtime: every open page, of every role, follows the install's
progress live (each page's notice, the list's machine card) and sees it end; the activity log
says how it ended. Real servers on loopback, real WebSocket clients as the pages."""

import re

from tests.support.accounts import csrf_token_in, login_over_http

INSTALL_PROGRESS = re.compile(r"Pieces OS is installing Ollama, which runs local models \((\d+) %")


def test_an_install_moves_on_every_open_page_until_it_is_logged_ok(live_factory):
    live = live_factory(
        {"ollama": "missing", "download_seconds": 2, "tick_seconds": 0.1},
        LIVE_HEARTBEAT_SECONDS=30,
    )
    list_page, activity_page = live.open_page("/"), live.open_page("/activity")
    admin = login_over_http(live.url, "admin")
    token = csrf_token_in(admin.get(f"{live.url}/", timeout=10).text)
    answer = admin.post(
        f"{live.url}/runtime/install",
        data={"next": "/", "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303

    for page in (list_page, activity_page):
        page.read_until(lambda text: "installing Ollama" in text, "the install under way")
        page.read_until(
            lambda text: int((INSTALL_PROGRESS.search(text) or [0, 0])[1]) >= 50, "half-way"
        )
        page.read_until(
            lambda text: '<div id="notices"' in text and "Ollama" not in text, "the notice gone"
        )
    card = list_page.read_until(
        lambda text: '<span id="runtime-state">Ollama 0.5.7: ready' in text, "the card ready"
    )
    assert "asked by" not in card
    machine = [text for text in list_page.received if '<section id="machine"' in text]
    assert any("(install asked by admin)" in text and "<progress" in text for text in machine)
    log = admin.get(f"{live.url}/activity?action=install-runtime", timeout=10).text
    assert "Ollama 0.5.7 installed." in log and 'class="badge outcome-ok"' in log
