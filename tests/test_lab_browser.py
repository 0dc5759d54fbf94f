"""In a real browser: JupyterLab + Debian's Chromium; run the review notebook, save a decision through its widgets;
two reviewers code blind, an adjudicator records the consensus, and the regenerated report uses it."""
from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from workbook.evidence.framework import load_framework
from workbook.pipeline.stages import Settings, coded_path, run_code, run_extract
from workbook.core.tables import read_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]
CASE = "torbay"
USER_SETTINGS = {  # JupyterLab user settings as a user has them (autosave on, every 2 s), no news toast or update check
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": True, "autosaveInterval": 2},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
}


KERNEL_READY = """() => {
  const name = document.querySelector('.jp-NotebookPanel .jp-Toolbar-kernelName');
  const state = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
  return !!name && !/No Kernel/.test(name.textContent) && !!state && state.dataset.status === 'idle';
}"""
"""True in the page once the notebook's kernel is connected and idle (the indicator says idle before that too)."""


def require_chromium() -> None:
    """Skip without Debian's Chromium, except in CI, where its absence is a failure."""
    if CHROMIUM.exists():
        return
    message = (f"Debian's Chromium is missing ({CHROMIUM}). Fix: apt-get install -y chromium "
               "(.ci/run does this); never 'playwright install'.")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Poll the server's status endpoint until it answers; fail with its log if it dies or is too slow."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen, base: str, token: str) -> None:
    """Shut the server down: REST shutdown, then terminate, wait, and kill its process group as a last resort."""
    if proc.poll() is None:
        try:
            req = urllib.request.Request(f"{base}/api/shutdown", method="POST",
                                         headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(req, timeout=5).close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def launch_lab(tmp_path: Path, root: Path, user_settings: dict, env: "dict[str, str]",
               *extra: str) -> "tuple[subprocess.Popen, str, str, Path]":
    """JupyterLab on loopback with a token, serving `root`, with private settings, config and runtime folders
    under tmp_path and `env` added to the environment; stopped again if it never answers."""
    dirs = {name: tmp_path / name for name in ("lab-settings", "lab-workspaces", "config", "runtime", "data")}
    for path in dirs.values():
        path.mkdir(exist_ok=True)
    for name, values in user_settings.items():
        target = dirs["lab-settings"] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    env = {**os.environ, **env,
           "JUPYTERLAB_SETTINGS_DIR": str(dirs["lab-settings"]), "JUPYTERLAB_WORKSPACES_DIR": str(dirs["lab-workspaces"]),
           "JUPYTER_CONFIG_DIR": str(dirs["config"]), "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
           "JUPYTER_DATA_DIR": str(dirs["data"]), "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "lab.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root", *extra]
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path,
                                start_new_session=True)
    try:
        wait_for_server(f"{base}/api/status?token={token}", proc, log)
    except BaseException:
        stop(proc, base, token)
        raise
    return proc, base, token, log


def open_in_lab(page, base: str, token: str, path: str, kernel_timeout: float = 30_000, reset: bool = False) -> None:
    """Open a notebook in JupyterLab (with `reset`, as the only open one) and wait until its kernel is connected and
    idle, accepting a kernel dialog."""
    page.goto(f"{base}/lab/tree/{path}?{'reset&' if reset else ''}token={token}", timeout=30_000)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=30_000)
    page.wait_for_function(KERNEL_READY, timeout=kernel_timeout)
    dialog = page.locator(".jp-Dialog .jp-mod-accept")  # "Select Kernel", should the preference not apply
    if dialog.count():
        dialog.first.click()


def run_all(page) -> None:
    """Run all cells of the open notebook from the Run menu."""
    page.locator("li.lm-MenuBar-item", has_text="Run").first.click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()


@pytest.fixture
def lab(tmp_path: Path):
    """A JupyterLab server on loopback with a token, temporary settings, and private evidence and reports."""
    require_chromium()
    evidence = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", evidence)
    for path in (evidence / "reviews").glob("*.csv"):
        path.unlink()
    reports = tmp_path / "reports"
    settings = Settings(evidence, reports, load_framework(evidence / "framework.yaml"))
    run_extract(CASE, settings)
    run_code(CASE, settings)
    # the notebooks as a checkout has them (with the jupytext settings beside them): autosave writes into this copy
    project = tmp_path / "project"
    shutil.copytree(NOTEBOOKS, project / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "handout"))
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    proc, base, token, log = launch_lab(tmp_path, project / "notebooks", USER_SETTINGS, {
        "WORKBOOK_EVIDENCE": str(evidence), "WORKBOOK_REPORTS": str(reports),
        "WORKBOOK_CONFIG": str(tmp_path / "workbook-config")})
    try:
        yield {"base": base, "token": token, "evidence": evidence, "reports": reports, "log": log,
               "notebooks": project / "notebooks"}
    finally:
        stop(proc, base, token)


@contextmanager
def browser_page(lab: dict) -> Iterator:
    """A Chromium page on the lab; on failure, a screenshot and the notebook's outputs are printed with the log."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=30_000)
        page = None
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(20_000)
            yield page
        except Exception:
            if page is None:
                raise
            shot = lab["log"].with_name("failure.png")
            page.screenshot(path=str(shot), full_page=True)
            outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())[-3000:]
            print(f"screenshot: {shot}\nserver log: {lab['log']}\nnotebook outputs:\n{outputs}")
            raise
        finally:
            browser.close()


def drive(page, lab: dict, first: str) -> None:
    """Open review.ipynb, run all cells, untick everything, tick Time, choose barrier, name the reviewer, save."""
    from playwright.sync_api import expect

    open_review(page, lab, first)
    save = page.locator(".wb-save")
    checked = page.locator(".wb-dim input[type=checkbox]:checked")
    for _ in range(checked.count()):
        checked.first.uncheck()
    expect(checked).to_have_count(0)
    page.locator(".wb-dim-time input[type=checkbox]").check()
    page.locator(".wb-polarity button", has_text="barrier").click()
    page.locator(".wb-reviewer input").fill("browser test")
    page.locator(".wb-note textarea").fill("ticked in Chromium")
    save.click()
    expect(page.locator(".wb-status")).to_contain_text("Saved", timeout=15_000)
    expect(page.locator(".wb-progress")).to_contain_text("reviewed 1 of")


def test_review_notebook_records_a_decision_from_the_browser(lab):
    started = time.monotonic()
    saved = [lab["notebooks"] / "review.ipynb", lab["notebooks"] / "review.py"]
    written_before = saved[0].stat().st_mtime_ns
    first = read_csv(coded_path(lab["reports"], CASE))["finding_id"].iloc[0]
    review_file = lab["evidence"] / "reviews" / CASE / "browser_test.csv"  # the reviewer's own file
    with browser_page(lab) as page:
        drive(page, lab, first)
    with open(review_file, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    row = rows[0]
    assert (row["finding_id"], row["dimensions"], row["polarity"], row["reviewer"], row["note"]) == \
        (first, "time", "barrier", "browser test", "ticked in Chromium")
    assert saved[0].stat().st_mtime_ns > written_before, "autosave never wrote the run notebook"
    # autosave (and the save the run triggers) wrote the notebook: it is still exactly what is committed
    assert [p.read_bytes() for p in saved] == [(NOTEBOOKS / p.name).read_bytes() for p in saved], \
        "saving review.ipynb from JupyterLab changed it (outputs or run metadata kept)"
    assert time.monotonic() - started < 90


def test_missing_chromium_fails_in_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Chromium is missing"):
        require_chromium()


def open_review(page, lab: dict, first: str) -> None:
    """Open review.ipynb and run all cells until the review widget shows the case's first finding."""
    from playwright.sync_api import expect

    open_in_lab(page, lab["base"], lab["token"], "review.ipynb")
    run_all(page)
    page.locator(".wb-save").wait_for(timeout=45_000)
    expect(page.locator(".wb-finding")).to_contain_text(first)


def code_blind(page, name: str, dims: "list[str]", polarity: str, other: "str | None" = None,
               keys: str = "") -> None:
    """As reviewer `name`: the form must start empty with nothing revealed; tick, choose (by clicks, or by
    typing `keys` in the Keys box), save and next."""
    from playwright.sync_api import expect

    finding = page.locator(".wb-finding")
    expect(finding).to_contain_text("Blind first pass")
    expect(finding).not_to_contain_text("Automatic codes")
    if other:
        expect(finding).not_to_contain_text(other)
    expect(page.locator(".wb-dim input[type=checkbox]:checked")).to_have_count(0)
    if keys:
        page.locator(".wb-keys input").click()
        page.keyboard.type(keys, delay=120)
        for dim in dims:
            expect(page.locator(f".wb-dim-{dim} input[type=checkbox]")).to_be_checked()
        expect(page.locator(".wb-chosen-polarity")).to_contain_text(polarity)
        page.keyboard.type("s")
    else:
        for dim in dims:
            page.locator(f".wb-dim-{dim} input[type=checkbox]").check()
        page.locator(".wb-polarity button", has_text=polarity).click()
        expect(page.locator(".wb-chosen-polarity")).to_contain_text(polarity)
        page.locator(".wb-save").click()
    expect(page.locator(".wb-status")).to_contain_text("Saved", timeout=15_000)
    expect(page.locator(".wb-status")).to_contain_text("For comparison")  # revealed once saved
    expect(page.locator(".wb-status")).to_contain_text("now showing finding 2 of")  # and moved on


def test_two_blind_reviewers_disagree_an_adjudicator_agrees_and_the_report_uses_the_consensus(lab):
    from playwright.sync_api import expect

    first = read_csv(coded_path(lab["reports"], CASE))["finding_id"].iloc[0]
    with browser_page(lab) as page:
        open_review(page, lab, first)
        reviewer = page.locator(".wb-reviewer input")
        reviewer.fill("Reviewer A")
        code_blind(page, "Reviewer A", ["time"], "barrier")
        reviewer.fill("Reviewer B")
        page.locator(".wb-prev").click()
        expect(page.locator(".wb-finding")).to_contain_text(first)
        code_blind(page, "Reviewer B", ["culture"], "facilitator", other="Reviewer A", keys="3f")
        reviewer.fill("Adjudicator C")
        page.locator(".wb-mode button", has_text="Adjudicate").click()
        finding = page.locator(".wb-finding")
        expect(finding).to_contain_text("Decisions side by side")
        expect(finding).to_contain_text("Reviewer A")
        expect(finding).to_contain_text("Reviewer B")
        for dim in ("culture", "time"):
            page.locator(f".wb-dim-{dim} input[type=checkbox]").check()
        page.locator(".wb-polarity button", has_text="barrier").click()
        page.locator(".wb-save").click()
        expect(page.locator(".wb-status")).to_contain_text("Saved consensus", timeout=15_000)
        expect(page.locator(".wb-progress")).not_to_contain_text("await adjudication")
    folder = lab["evidence"] / "reviews" / CASE
    assert sorted(p.name for p in folder.iterdir()) == ["consensus.csv", "reviewer_a.csv", "reviewer_b.csv"]
    env = {**os.environ, "WORKBOOK_EVIDENCE": str(lab["evidence"]), "WORKBOOK_REPORTS": str(lab["reports"]),
           "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "workbook", "report", "--no-progress"], env=env,
                          cwd=lab["evidence"].parent, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    coded = read_csv(coded_path(lab["reports"], CASE)).set_index("finding_id")
    assert coded.loc[first, ["dimensions", "polarity", "decision_source"]].tolist() == [
        "culture;time", "barrier", "consensus"]
    assert set(coded.loc[first, "decided_by"].split(";")) == {"Reviewer A", "Reviewer B", "Adjudicator C"}
    sources = read_csv(lab["reports"] / "tables" / "decision_sources.csv").set_index("case")
    assert sources.loc[CASE, "consensus"] == "1"
    assert "Who decided the codes" in (lab["reports"] / "synthesis.html").read_text(encoding="utf-8")
