"""In a real browser: opening, running and saving the project's notebooks in JupyterLab (autosave on, as a
user has it) leaves the repository clean, and `make lab`'s file browser shows each notebook once."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from test_lab_browser import (CHROMIUM, CHROMIUM_ARGS, KERNEL_READY, launch_lab, open_in_lab, require_chromium, run_all,
                              stop)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
RUN = ["teaching/01_framework.ipynb", "01_extract.ipynb"]
"""Notebooks the test runs in full (outputs, execution counts and kernel metadata appear in the browser)."""
OPEN_ONLY = ["03_synthesis.ipynb"]
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": True, "autosaveInterval": 2},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository holding the project's notebooks and its jupytext settings, committed."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "notebooks", repo / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    shutil.copy2(ROOT / ".gitignore", repo / ".gitignore")
    git(repo.parent, "init", "-q", str(repo))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "notebooks")
    return repo


def start_lab(tmp_path: Path, root: Path, *extra: str) -> tuple[subprocess.Popen, str, str]:
    """JupyterLab from the project's environment, as `make lab` starts it, with private settings."""
    require_chromium()
    evidence, reports = tmp_path / "evidence", tmp_path / "reports"
    shutil.copytree(ROOT / "evidence", evidence)
    proc, base, token, _ = launch_lab(tmp_path, root, SETTINGS,
                                      {"WORKBOOK_EVIDENCE": str(evidence), "WORKBOOK_REPORTS": str(reports)}, *extra)
    return proc, base, token


def open_notebook(page, base: str, token: str, path: str, run: bool) -> None:
    """Open a notebook; run all its cells if asked and wait until the kernel is idle again."""
    open_in_lab(page, base, token, path, kernel_timeout=60_000, reset=True)  # reset: only this notebook open
    if run:
        run_all(page)
        page.locator(".jp-OutputArea-output").first.wait_for(state="attached", timeout=60_000)
        page.wait_for_function(KERNEL_READY, timeout=120_000)
        assert page.locator(".jp-OutputArea-output").count() > 0
    page.keyboard.press("Control+s")
    time.sleep(3)  # two autosave intervals


def test_running_and_saving_notebooks_in_jupyterlab_leaves_git_clean(project: Path, tmp_path: Path):
    from playwright.sync_api import sync_playwright

    proc, base, token = start_lab(tmp_path, project / "notebooks")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for path in RUN + OPEN_ONLY:
                open_notebook(page, base, token, path, run=path in RUN)
            browser.close()
    finally:
        stop(proc, base, token)
    saved = [json.loads((project / "notebooks" / path).read_text(encoding="utf-8")) for path in RUN]
    assert all(nb["metadata"].get("jupytext") for nb in saved)  # the server wrote them (and kept the pairing)
    status = git(project, "status", "--porcelain", "--untracked-files=all")
    assert status == "", f"saving in JupyterLab changed the repository:\n{status}\n{git(project, 'diff')[:3000]}"


def test_make_lab_shows_each_notebook_once(tmp_path: Path):
    """`make lab` hides the py:percent twins in the file browser (the .ipynb is the one to open)."""
    import urllib.request

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    lab_line = next(line for line in makefile.splitlines() if "jupyter lab" in line)
    extra = [arg.strip("'") for arg in lab_line.split() if arg.strip("'").startswith("--ContentsManager.")]
    assert extra, "make lab sets no ContentsManager option"
    proc, base, token = start_lab(tmp_path, ROOT / "notebooks", *extra)
    try:
        req = urllib.request.Request(f"{base}/api/contents/teaching", headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=10) as response:
            names = sorted(item["name"] for item in json.load(response)["content"])
    finally:
        stop(proc, base, token)
    assert "01_framework.ipynb" in names and "01_framework.py" not in names, names
