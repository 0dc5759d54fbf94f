"""In a real browser: JupyterLab (autosave on) runs the coding exercise; a student answers two items through the
form by clicking, a half answer is refused on screen, and the comparison with the reference appears, readable at
a normal notebook width (no horizontal scrolling at 1000 px)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_lab_browser import CHROMIUM, CHROMIUM_ARGS
from test_lab_saving_browser import open_notebook, start_lab, stop
from workbook.evidence.framework import load_framework
from workbook.ui.exercise import load_reference

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = "teaching/02_coding_exercise.ipynb"

NO_SIDEWAYS_SCROLL = """(selector) => {
  const el = document.querySelector(selector);
  const boxes = [el, ...el.querySelectorAll('table')];
  const area = el.closest('.jp-OutputArea-output') || el.parentElement;
  return {widest: Math.max(...boxes.map(b => b.scrollWidth - b.clientWidth)),
          area: area.scrollWidth - area.clientWidth, width: el.clientWidth};
}"""
"""How far the element, its tables and its output area overflow sideways (0: everything wraps), and its width."""


def test_coding_exercise_answered_through_its_form_shows_the_comparison(tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    notebooks = tmp_path / "project" / "notebooks"  # a copy: autosave never writes into the checkout
    shutil.copytree(ROOT / "notebooks", notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "handout"))
    evidence = ROOT / "evidence"
    reference = load_reference(load_framework(evidence / "framework.yaml"), evidence).set_index("item")
    first_dims = [d for d in reference.loc[1, "dimensions"].split(";") if d]
    assert first_dims and reference.loc[3, "dimensions"] != "culture"  # item 3 will differ, item 1 will not
    proc, base, token = start_lab(tmp_path, notebooks)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.set_default_timeout(20_000)
            # Autosave of a paired notebook can raise JupyterLab's "File Changed" dialog (the jupytext twin is
            # written just after the .ipynb); keep the open version, as a user would, and go on.
            changed = page.locator(".jp-Dialog", has_text="has changed on disk")
            page.add_locator_handler(changed, lambda dialog: dialog.locator("button", has_text="Overwrite").click())
            try:
                open_notebook(page, base, token, EXERCISE, run=True)
                form = page.locator(".wb-exercise")
                form.wait_for(timeout=60_000)
                expect(page.locator(".wb-item")).to_have_count(12)
                expect(page.locator(".wb-item-1 .wb-dim input[type=checkbox]:checked")).to_have_count(0)
                expect(page.locator(".wb-comparison")).to_contain_text("Nothing answered yet")
                expect(page.locator(".wb-item-1 .wb-dim-integrated_teams")).to_contain_text("Integrated teams")

                page.locator(".wb-item-5 .wb-dim-time input[type=checkbox]").check()  # no polarity: refused
                page.locator(".wb-check").click()
                expect(page.locator(".wb-exercise-status")).to_contain_text("Not checked: item 5: choose a polarity")
                expect(page.locator(".wb-comparison")).to_contain_text("Nothing answered yet")
                page.locator(".wb-item-5 .wb-clear").click()

                for dim in first_dims:  # item 1 as the reference codes it
                    page.locator(f".wb-item-1 .wb-dim-{dim} input[type=checkbox]").check()
                page.locator(".wb-item-1 .wb-polarity button", has_text=reference.loc[1, "polarity"]).click()
                page.locator(".wb-item-3 .wb-dim-culture input[type=checkbox]").check()  # item 3 otherwise
                page.locator(".wb-item-3 .wb-polarity button", has_text="barrier").click()
                page.locator(".wb-check").click()

                expect(page.locator(".wb-exercise-status")).to_contain_text("You have answered 2 of 12 items")
                comparison = page.locator(".wb-comparison")
                expect(comparison).to_contain_text("You answered 2 of 12 items; 1 exactly as the reference")
                expect(comparison).to_contain_text("Where and why you differ")
                expect(comparison).to_contain_text(" ".join(reference.loc[3, "rationale"].split()[:12]))
                expect(comparison.locator(".wb-differences tbody tr")).to_have_count(1)
                overflow = page.evaluate(NO_SIDEWAYS_SCROLL, ".wb-comparison")
                assert overflow["widest"] <= 1 and overflow["area"] <= 1, overflow
                assert overflow["width"] < 1000, overflow
            except Exception:
                shot = tmp_path / "failure.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}\nserver log: {tmp_path / 'lab.log'}")
                raise
            finally:
                browser.close()
    finally:
        stop(proc, base, token)
