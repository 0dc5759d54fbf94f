"""Open the built reports/synthesis.html in headless Debian Chromium: tables, figures, a finding link that lands,
and the framework matrix: a statement's link lands below the sticky header and its back link returns to the cell."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.browser


def require_chromium(path: Path, environ: "dict[str, str]") -> Path:
    """The browser's path; if it is missing, fail when CI is set (CI must test the report), else skip."""
    if not path.exists():
        message = (f"{path} is missing: the browser test needs Debian's chromium. "
                   "Fix: apt-get install -y chromium (never 'playwright install').")
        if environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; missing is a failure in CI (env CI set) and a skip elsewhere."""
    return require_chromium(CHROMIUM, dict(os.environ))


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(tmp_path):
    absent = tmp_path / "no-chromium"
    with pytest.raises(pytest.fail.Exception, match="no-chromium is missing"):
        require_chromium(absent, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        require_chromium(absent, {})
    assert require_chromium(tmp_path, {"CI": "1"}) == tmp_path


@pytest.fixture(scope="session")
def built(built_reports: Path) -> Path:
    """The reports regenerated once from the shipped evidence (conftest's session fixture)."""
    return built_reports


def test_report_opens_with_tables_figures_and_working_finding_links(chromium_path, built, tmp_path):
    from playwright.sync_api import sync_playwright

    report = built / "synthesis.html"
    screenshot = tmp_path / "synthesis.png"
    blocked: list[str] = []

    def only_files(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium_path), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", only_files)
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            assert "stages.resolve" not in page.inner_text("body"), "code leaked into the report"
            assert page.title() == "Integrated care: a framework synthesis of three cases"
            assert page.locator("table.wb-table").count() >= 15
            assert page.locator("nav#contents li a").count() >= 10
            widths = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) == 3 and all(w > 0 for w in widths), f"figures not rendered: {widths}"
            # a finding id in the framework matrix detail links to its appendix entry
            link = page.locator("#table-framework-matrix-detail a.finding-link").first
            target = link.get_attribute("href")
            link.click()
            page.wait_for_function("h => location.hash === h", arg=target)
            entry = page.locator(f'[id="{target[1:]}"]')
            assert entry.count() == 1, f"no appendix entry {target}"
            in_view = page.evaluate(
                "id => { const r = document.getElementById(id).getBoundingClientRect();"
                " return r.top >= -1 && r.top < window.innerHeight; }", target[1:])
            page.screenshot(path=str(screenshot))
            assert in_view, f"appendix entry {target} is not in view after the click; screenshot: {screenshot}"
            assert target[len("#finding-"):] in entry.inner_text()
            # a contents link reaches its section
            page.locator('nav#contents a[href="#sec-delivery-checklist"]').click()
            page.wait_for_function("() => location.hash === '#sec-delivery-checklist'")
            page.screenshot(path=str(tmp_path / "checklist.png"))
            page.goto(report.as_uri())
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000, f"screenshot looks empty: {screenshot}"
    print(f"screenshot: {screenshot}; blocked requests: {len(blocked)}")


BELOW_HEADER = """([rowId, tableSelector]) => {
  const row = document.getElementById(rowId).getBoundingClientRect();
  const head = document.querySelector(tableSelector + ' thead th').getBoundingClientRect();
  return {rowTop: row.top, headTop: head.top, headBottom: head.bottom, height: window.innerHeight};
}"""
"""Where a target sits against its table's sticky header, in viewport pixels."""


def _open(p, chromium_path: Path, report: Path):
    """A browser page on the report, offline (any request that is not a file is refused)."""
    browser = p.chromium.launch(executable_path=str(chromium_path), args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    return browser, page


def _assert_below_header(page, element_id: str, table: str, screenshot: Path) -> None:
    """The element is in view and not hidden under the sticky header of its table, which is stuck at the top
    (the target is far into a long table, so a landing at the very top would be under the header)."""
    where = page.evaluate(BELOW_HEADER, [element_id, table])
    page.screenshot(path=str(screenshot))
    assert abs(where["headTop"]) <= 1, f"{table}'s header is not stuck at the top: {where}; {screenshot}"
    assert where["headBottom"] - 1 <= where["rowTop"] < where["height"], (
        f"#{element_id} is hidden under the sticky header or out of view: {where}; screenshot {screenshot}")


def test_matrix_statement_link_lands_below_the_header_and_back_link_returns(chromium_path, built, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page = _open(p, chromium_path, built / "synthesis.html")
        try:
            # a statement shown in a matrix cell, with its polarity mark and who decided its code
            item = page.locator("table.wb-matrix tbody tr:last-child td.wb-cell > ul.wb-statements > li").first
            assert item.is_visible()
            text = item.inner_text()
            assert text[0] in "+\u2212\u25cb" and ("automatic" in text or "coder_" in text), text
            cell_id = item.evaluate("li => li.closest('td').id")
            assert cell_id.startswith("cell-")
            link = item.locator("a.finding-link")
            target = link.get_attribute("href")
            link.click()
            page.wait_for_function("h => location.hash === h", arg=target)
            _assert_below_header(page, target[1:], "table.wb-appendix", tmp_path / "finding.png")
            row = page.locator(f'[id="{target[1:]}"]')
            statement = row.locator("td.wb-statement").inner_text()
            assert statement.startswith(text[1:].split("\u2026")[0].strip()[:40]), (statement, text)
            # the entry names who decided its codes and links back to the cell it came from
            who = item.locator(".wb-who").inner_text()
            assert row.locator("td").nth(6).inner_text().startswith(who), (who, row.inner_text())
            back = row.locator(f'a.wb-back[href="#{cell_id}"]')
            assert back.count() == 1, f"no back link to #{cell_id} in {target}"
            back.click()
            page.wait_for_function("h => location.hash === h", arg=f"#{cell_id}")
            _assert_below_header(page, cell_id, "table.wb-matrix", tmp_path / "back.png")
            # a long cell expands, without JavaScript, to every statement in full
            cell = page.locator(f'[id="{cell_id}"]')
            more = cell.locator("details.wb-more")
            if more.count():
                full = more.locator("li").first
                assert not full.is_visible()
                more.locator("summary").click()
                assert full.is_visible() and "\u2026" not in full.inner_text()
        finally:
            browser.close()
