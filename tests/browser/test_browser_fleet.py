"""In Chromium, the fleet page of three hosts: a bulk download on two of them, whose cells move
on every open fleet page; the same page without JavaScript (its filters and its bulk form); and
at phone width."""

import pytest

from tests.support.browser_harness import PanelProcess, SimulatorProcess
from tests.support.panel_page import (
    DOWNLOAD_DONE_MS,
    NOT_DOWNLOADED,
    expect,
    live_indicator,
    mark_page,
    still_marked,
)
from webapp.fleet.matrix import cell_id

HOSTS = ("build-box", "gpu-1", "laptop")


@pytest.fixture
def other_pieces_os():
    """Two more simulated hosts, for gpu-1 and the laptop."""
    started = [SimulatorProcess(), SimulatorProcess()]
    yield started
    for simulator in started:
        simulator.stop()


@pytest.fixture
def panel_process(chromium, pieces_os, other_pieces_os, panel_database):
    """The panel under gunicorn with three hosts: ``pieces_os`` first, as build-box."""
    hosts = zip(HOSTS, (pieces_os, *other_pieces_os), strict=True)
    server = PanelProcess(
        pieces_os.url,
        panel_database,
        PIECES_OS_HOSTS=",".join(f"{name}={simulator.url}" for name, simulator in hosts),
    )
    yield server
    server.stop()
    assert not server.errors(), f"the panel logged an error:\n{server.errors()}"


def every_host_listed(page):
    """Wait until every column has its host's list (a host not heard from yet fills in later:
    the matrix is fetched again then, and a page without JavaScript reloads)."""
    expect(page.locator("thead .fleet-up")).to_have_count(len(HOSTS))
    return page


def cell(page, host: str, model: str = NOT_DOWNLOADED):
    return page.locator(f"[id='{cell_id(host, model)}']")


def bulk_form(page, action: str, model: str = NOT_DOWNLOADED):
    """The model's form of one bulk action, its box opened."""
    page.locator("tr", has=cell(page, HOSTS[0], model)).locator("summary").click()
    return offered(page, action, model)


def offered(page, action: str, model: str = NOT_DOWNLOADED):
    """The model's form of one bulk action (its box left as it is)."""
    row = page.locator("tr", has=cell(page, HOSTS[0], model))
    return row.locator("form.bulk-form", has=page.locator(f"input[value='{action}']"))


def test_a_bulk_download_on_two_hosts_moves_both_cells_on_every_open_fleet_page(open_page):
    operator = every_host_listed(open_page("operator", "/fleet"))
    viewer = every_host_listed(open_page("viewer", "/fleet"))
    expect(live_indicator(viewer)).to_be_visible()
    expect(cell(viewer, HOSTS[1])).to_have_text("not downloaded")
    mark_page(viewer)

    form = bulk_form(operator, "download")
    form.get_by_label(HOSTS[0]).check()
    form.get_by_label(HOSTS[1]).check()
    form.get_by_role("button", name="Download…").click()
    expect(operator.locator(".confirm")).to_contain_text(f"{HOSTS[1]}: downloads its files")
    operator.get_by_role("button", name="Download on 2 hosts").click()
    expect(operator.locator("#bulk-result")).to_contain_text(f"{HOSTS[0]}: pending Downloading…")
    expect(operator.locator("#bulk-result")).to_contain_text(f"{HOSTS[1]}: pending Downloading…")

    for page in (viewer, operator):
        for host in HOSTS[:2]:
            expect(cell(page, host).locator("progress")).to_be_attached()
            expect(cell(page, host)).to_contain_text("downloading")
    for page in (viewer, operator):
        for host in HOSTS[:2]:
            expect(cell(page, host)).to_have_text("downloaded", timeout=DOWNLOAD_DONE_MS)
        expect(cell(page, HOSTS[2])).to_have_text("not downloaded")
    # The row's bulk forms follow: Load and Delete files now, Download on the third host only.
    expect(offered(operator, "load").get_by_label(HOSTS[1])).to_be_enabled()
    expect(offered(operator, "delete-files")).to_be_attached()
    expect(offered(operator, "download").get_by_label(HOSTS[0])).to_be_disabled()
    expect(offered(operator, "download").get_by_label(HOSTS[2])).to_be_enabled()
    # The box of how it went follows both downloads to their end, without a reload; reloading
    # it does nothing again, and says the same.
    mark_page(operator)
    for host in HOSTS[:2]:
        expect(operator.locator(f"#bulk-result [data-host='{host}']")).to_contain_text("ok")
    assert still_marked(operator), "the operator's page was reloaded"
    operator.reload()
    expect(operator.locator("#bulk-result")).to_contain_text(f"{HOSTS[0]}: ok")
    expect(operator.locator("#bulk-result")).to_contain_text(f"{HOSTS[1]}: ok")
    assert still_marked(viewer), "the viewer's page was reloaded"
    assert viewer.console.problems == operator.console.problems == []


def test_without_javascript_the_filters_and_a_bulk_action_work_as_plain_forms(open_page):
    page = every_host_listed(open_page("operator", "/fleet", javascript=False))
    page.get_by_label("Search").fill("gemma-1.1-2b")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.fleet tbody tr")).to_have_count(1)
    assert page.url.endswith("/fleet?q=gemma-1.1-2b&place=&state=&provider=&sort=name")

    form = bulk_form(page, "download")
    expect(form.get_by_label(HOSTS[2])).to_be_enabled()
    form.get_by_label(HOSTS[2]).check()
    form.get_by_role("button", name="Download…").click()
    expect(page.locator(".confirm")).to_contain_text(f"{HOSTS[2]}: downloads its files")
    page.get_by_role("button", name="Download on 1 host").click()
    expect(page.locator("#bulk-result")).to_contain_text(f"{HOSTS[2]}: pending Downloading…")
    assert "/fleet/bulk/done?" in page.url  # an answer that F5 does not submit again
    expect(page.locator("table.fleet tbody tr")).to_have_count(1)  # still filtered
    expect(cell(page, HOSTS[2])).to_contain_text("download")
    expect(cell(page, HOSTS[1])).to_have_text("not downloaded")


def test_at_phone_width_the_matrix_scrolls_under_its_model_column(open_page):
    page = every_host_listed(open_page("viewer", "/fleet"))
    page.set_viewport_size({"width": 390, "height": 800})
    first_row = page.locator("table.fleet tbody tr").first
    last_host = first_row.locator("td").last
    expect(last_host).to_be_attached()
    # The page itself fits (waited for: a matrix fetched again meanwhile is swapped in whole).
    page.wait_for_function("document.documentElement.scrollWidth <= 390")
    expect(last_host).not_to_be_in_viewport()
    name = first_row.locator("th")
    left = name.bounding_box()["x"]
    # Scrolled sideways (again at each look, should the matrix be swapped in meanwhile), the
    # last host's cell comes into view...
    page.wait_for_function(
        """() => {
            document.querySelector(".fleet-scroll").scrollLeft = 1000;
            const cell = document.querySelector("table.fleet tbody tr td:last-child");
            const box = cell.getBoundingClientRect();
            return box.left >= 0 && box.right <= window.innerWidth;
        }"""
    )
    assert name.bounding_box()["x"] == left  # ...and the model's name stays in view


def test_the_first_hosts_open_page_follows_its_rename(open_page):
    """Its page without prefix reconnects to the renamed host: the heading says its new name."""
    operator = every_host_listed(open_page("operator", "/fleet"))
    listed = open_page("operator", "/")
    expect(listed.locator("h1")).to_have_text(f"Models on {HOSTS[0]}")
    expect(live_indicator(listed)).to_be_visible()
    admin = open_page("admin", "/hosts")
    admin.locator(f"#host-{HOSTS[0]} summary").click()
    admin.locator(f"#name-{HOSTS[0]}").fill("main")
    admin.get_by_role("button", name=f"Change {HOSTS[0]}").click()
    expect(admin.locator(".flash-success")).to_contain_text("main")
    expect(listed.locator("h1")).to_have_text("Models on main")
    expect(live_indicator(listed)).to_be_visible()
    expect(operator.locator("thead")).to_contain_text("main")  # the fleet page's column too
    assert listed.console.problems == operator.console.problems == []
