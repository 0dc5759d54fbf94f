"""The regeneration runner: cache keys, what is reused and re-executed, the build record, warm kernels."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbook.pipeline import runner
from workbook.core.errors import PipelineError
from workbook.pipeline.runner import Outcome, Run, library_hash, plan, run_key
from notebook_helpers import pids

CASES = ["torbay", "english_pilots", "east_london"]


def keys(case_ids: "list[str]" = CASES, **kw) -> dict[str, str]:
    """run name -> key for the current evidence."""
    lib = library_hash()
    out: dict[str, str] = {}
    for run in plan(case_ids, **kw):
        out[run.name] = run_key(run, out, lib)
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


# ------------------------------------------------------------------ plan and keys

def test_the_plan_chains_each_case_and_joins_them_in_the_synthesis():
    runs = {r.name: r for r in plan(CASES)}
    assert list(runs) == ["01_extract-torbay", "02_code-torbay", "01_extract-english_pilots",
                          "02_code-english_pilots", "01_extract-east_london", "02_code-east_london", "03_synthesis"]
    for case in CASES:
        assert runs[f"01_extract-{case}"].after == ()
        assert runs[f"02_code-{case}"].after == (f"01_extract-{case}",)
        assert f"sources/{case}" in runs[f"01_extract-{case}"].inputs
        assert f"reviews/{case}.csv" in runs[f"02_code-{case}"].inputs
    assert runs["03_synthesis"].after == tuple(f"02_code-{c}" for c in CASES)
    assert "synthesis.html" in runs["03_synthesis"].outputs
    assert all(r.parameters["case_id"] == r.name.split("-", 1)[1] for r in runs.values() if "case_id" in r.parameters)


def test_pending_runs_form_one_chain_per_case_and_the_synthesis_waits_for_them():
    runs = plan(CASES)
    chains = runner._chains(runs)
    assert [[r.name for r in c] for c in chains] == [
        ["01_extract-torbay", "02_code-torbay"], ["01_extract-english_pilots", "02_code-english_pilots"],
        ["01_extract-east_london", "02_code-east_london"], ["03_synthesis"]]
    names = {r.name for r in runs}
    assert runner._homes(chains, names, 2) == [0, 0, 0, 1]  # the synthesis lane pre-imports the synthesis
    assert runner._homes(chains, names, 4) == [0, 1, 2, 3]
    assert runner._homes(chains, names, 1) == [0, 0, 0, 0]
    only_torbay = [r for r in runs if "torbay" in r.name or r.name == "03_synthesis"]
    assert [[r.name for r in c] for c in runner._chains(only_torbay)] == [
        ["01_extract-torbay", "02_code-torbay"], ["03_synthesis"]]


def test_a_ready_chain_goes_to_its_home_lane_and_the_synthesis_waits_for_its_warming_lane():
    homes, joins = [0, 0, 0, 1], [False, False, False, True]
    # lane 1 (the synthesis's home) is still warming: the synthesis waits rather than start cold on lane 0
    assert runner._assign([3], homes, joins, idle=[0], warmed={0}) == []
    assert runner._assign([3], homes, joins, idle=[0, 1], warmed={0, 1}) == [(3, 1)]
    # once its home lane is warm but busy, any idle lane takes it
    assert runner._assign([3], homes, joins, idle=[0], warmed={0, 1}) == [(3, 0)]
    # a case chain takes any idle lane, its home first
    assert runner._assign([1, 2], homes, joins, idle=[1], warmed={1}) == [(1, 1)]
    assert runner._assign([1, 2], homes, joins, idle=[1, 0], warmed={0, 1}) == [(1, 0), (2, 1)]


def test_keys_are_stable_and_depend_on_parameters_and_the_library():
    assert keys() == keys()
    run = plan(["torbay"])[0]
    lib = library_hash()
    assert run_key(run, {}, lib) != run_key(run, {}, "another library")
    other = Run(run.name, run.notebook, {**run.parameters, "framework": "other.yaml"}, run.inputs, run.outputs)
    assert run_key(run, {}, lib) != run_key(other, {}, lib)


def test_editing_a_source_changes_only_that_cases_extract_and_code_and_the_synthesis(evidence_copy: Path):
    before = keys()
    source = sorted((evidence_copy / "sources" / "english_pilots").glob("*.md"))[0]
    source.write_text(source.read_text(encoding="utf-8") + "\n- A new finding.\n", encoding="utf-8")
    assert changed(before, keys()) == {"01_extract-english_pilots", "02_code-english_pilots", "03_synthesis"}


def test_adding_a_source_file_changes_that_case_too(evidence_copy: Path):
    before = keys()
    (evidence_copy / "sources" / "torbay" / "zz_new.md").write_text("# New\n\n- A finding.\n", encoding="utf-8")
    assert changed(before, keys()) == {"01_extract-torbay", "02_code-torbay", "03_synthesis"}


def test_editing_a_review_file_changes_only_that_cases_code_and_the_synthesis(evidence_copy: Path):
    before = keys()
    review = evidence_copy / "reviews" / "east_london.csv"
    review.write_text(review.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert changed(before, keys()) == {"02_code-east_london", "03_synthesis"}


def test_with_the_learned_coder_a_review_file_changes_every_code_run(evidence_copy: Path):
    before = keys(learned=True)
    review = evidence_copy / "reviews" / "east_london.csv"
    review.write_text(review.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert changed(before, keys(learned=True)) == {f"02_code-{c}" for c in CASES} | {"03_synthesis"}


def test_editing_the_framework_or_the_notebook_changes_every_run_that_reads_it(evidence_copy: Path):
    before = keys()
    fw = evidence_copy / "framework.yaml"
    fw.write_text(fw.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert changed(before, keys()) == set(before)


# ------------------------------------------------------------------ reuse, --force and build.json (no kernels)

@pytest.fixture
def fake_execute(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Replace notebook execution by writing each run's outputs; records the names executed per regeneration."""
    calls: list[list[str]] = []

    def execute(pending, build, jobs, progress, outcomes, fresh_kernels=False):
        calls.append([r.name for r in pending])
        for run in pending:
            for rel in (*run.outputs, run.executed_path):
                target = Path(build) / rel
                if "." in Path(rel).name:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(f"{run.name}\n", encoding="utf-8")
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    (target / "x.csv").write_text(f"{run.name}\n", encoding="utf-8")
            outcomes[run.name].status, outcomes[run.name].seconds = "executed", 0.01

    monkeypatch.setattr(runner, "_execute", execute)
    return calls


def record(reports: Path) -> dict[str, str]:
    return {r["name"]: r["status"] for r in json.loads((reports / "build.json").read_text(encoding="utf-8"))}


def test_nothing_changed_reuses_every_run_and_force_re_executes_everything(
        evidence_copy: Path, reports_tmp: Path, fake_execute: list[list[str]]):
    first = runner.regenerate(CASES, progress=False)
    assert [o.status for o in first] == ["executed"] * 7
    assert set(record(reports_tmp).values()) == {"executed"}
    findings = (reports_tmp / "findings" / "torbay.csv").stat().st_ino

    again = runner.regenerate(CASES, progress=False)
    assert [o.status for o in again] == ["reused"] * 7
    assert fake_execute[1:] == []
    assert set(record(reports_tmp).values()) == {"reused"}
    assert (reports_tmp / "findings" / "torbay.csv").stat().st_ino == findings, "reused outputs are hard links"
    assert (reports_tmp / "synthesis.html").exists()

    forced = runner.regenerate(CASES, force=True, progress=False)
    assert [o.status for o in forced] == ["executed"] * 7
    assert fake_execute[1] == [r.name for r in plan(CASES)]


def test_after_a_source_edit_only_that_case_and_the_synthesis_are_re_executed(
        evidence_copy: Path, reports_tmp: Path, fake_execute: list[list[str]]):
    runner.regenerate(CASES, progress=False)
    source = sorted((evidence_copy / "sources" / "torbay").glob("*.md"))[-1]
    source.write_text(source.read_text(encoding="utf-8") + "\n- One more finding.\n", encoding="utf-8")
    outcomes = {o.name: o.status for o in runner.regenerate(CASES, progress=False)}
    assert fake_execute[-1] == ["01_extract-torbay", "02_code-torbay", "03_synthesis"]
    assert record(reports_tmp) == outcomes
    assert [n for n, s in outcomes.items() if s == "reused"] == [
        "01_extract-english_pilots", "02_code-english_pilots", "01_extract-east_london", "02_code-east_london"]
    built = json.loads((reports_tmp / "build.json").read_text(encoding="utf-8"))
    assert set(built[0]) == {"name", "status", "seconds", "key", "outputs"}


def test_a_missing_output_is_re_executed_with_its_dependants(evidence_copy: Path, reports_tmp: Path,
                                                           fake_execute: list[list[str]]):
    runner.regenerate(CASES, progress=False)
    (reports_tmp / "coded" / "east_london.csv").unlink()
    runner.regenerate(CASES, progress=False)
    assert fake_execute[-1] == ["02_code-east_london", "03_synthesis"]


def test_the_plan_cache_is_used_only_while_cases_framework_and_library_are_unchanged(
        evidence_copy: Path, reports_tmp: Path, fake_execute: list[list[str]]):
    assert runner.cached_plan() is None
    runner.regenerate(CASES, progress=False, after_build=runner.plan_cache_writer("", CASES, False))
    assert runner.cached_plan() == {"case_ids": CASES, "learned": False}
    assert runner.cached_plan("other.yaml") is None
    cases = evidence_copy / "cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert runner.cached_plan() is None


def test_a_second_report_with_nothing_changed_imports_no_pandas_papermill_or_yaml(
        evidence_copy: Path, reports_tmp: Path, fake_execute: list[list[str]]):
    runner.regenerate(CASES, progress=False)  # a previous build (without the CLI's plan cache)
    probe = ("import sys\nfrom workbook.cli import main\nrc = main(['report', '--no-progress'])\n"
             "heavy = ['pandas', 'numpy', 'papermill', 'jupyter_client', 'nbformat', 'yaml', 'jsonschema']\n"
             "print(rc, sorted(m for m in heavy if m in sys.modules))\n")
    env = dict(os.environ)
    # the first run parses the YAML files (valid ones need no jsonschema) and caches the plan
    for expected in (["yaml"], []):
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "0 notebook run(s) executed, 7 reused" in done.stdout
        assert done.stdout.strip().splitlines()[-1] == f"0 {expected}"


@pytest.mark.slow
def test_lanes_run_chains_in_parallel_on_warm_kernels_with_a_fresh_namespace_per_notebook(tiny_project: Path):
    runs = [Run("a-1", "a.ipynb", {"n": 1}, (), ()), Run("b-1", "b.ipynb", {"n": 1}, (), (), ("a-1",)),
            Run("a-2", "a.ipynb", {"n": 2}, (), ()), Run("b-2", "b.ipynb", {"n": 2}, (), (), ("a-2",))]
    outcomes = {r.name: Outcome(r.name, "pending") for r in runs}
    build = tiny_project / "build"
    build.mkdir()
    runner._execute(runs, build, 2, False, outcomes)
    assert all(o.status == "executed" for o in outcomes.values())
    # each chain stayed on one kernel (a lane that is free first may take both chains); b saw no name left by a
    assert pids(build, "a-1") == pids(build, "b-1") and pids(build, "a-2") == pids(build, "b-2")
    second = json.loads((build / "notebooks" / "b-1.ipynb").read_text(encoding="utf-8"))
    assert [c["execution_count"] for c in second["cells"]] == [1, 2, 3], "each notebook counts from 1"


@pytest.mark.slow
def test_a_failing_notebook_names_the_notebook_cell_and_error_and_stops_the_build(tiny_project: Path):
    runs = [Run("bad-1", "bad.ipynb", {"n": 7}, (), ()), Run("a-1", "a.ipynb", {"n": 1}, (), ())]
    outcomes = {r.name: Outcome(r.name, "pending") for r in runs}
    build = tiny_project / "reports-build"
    build.mkdir()
    with pytest.raises(PipelineError) as err:
        runner._execute(runs, build, 2, False, outcomes)
    message = str(err.value)
    assert "bad.ipynb (bad-1)" in message and "cell" in message and "ValueError: bad input 7" in message
    assert (tiny_project / ".reports-failed" / "bad-1.ipynb").exists()


# ------------------------------------------------------------------ warm lanes equal fresh kernels

def _published(reports: Path) -> dict[str, object]:
    """What a regeneration publishes, as comparable values: every table and figure file's bytes, the report
    body (HTML and Markdown) and every XLSX cell (the XLSX file itself carries its creation time)."""
    from openpyxl import load_workbook

    out: dict[str, object] = {}
    for path in sorted(reports.rglob("*")):
        rel = path.relative_to(reports).as_posix()
        if not path.is_file() or rel.startswith("notebooks/") or rel in (".manifest.json", ".plan.json", "build.json"):
            continue
        if path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            out[rel] = {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
        else:
            out[rel] = path.read_bytes()
    return out


@pytest.mark.slow
def test_warm_lanes_publish_exactly_what_fresh_kernels_publish(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from workbook.evidence.cases import load_cases

    cases = list(load_cases())
    published = {}
    for mode, fresh in (("warm", False), ("fresh", True)):
        reports = tmp_path / mode / "reports"
        monkeypatch.setenv("WORKBOOK_REPORTS", str(reports))
        outcomes = runner.regenerate(cases, force=True, progress=False, fresh_kernels=fresh)
        assert all(o.status == "executed" for o in outcomes)
        published[mode] = _published(reports)
    warm, fresh = published["warm"], published["fresh"]
    assert any(k.startswith("tables/") for k in warm) and any(k.startswith("figures/") for k in warm)
    assert {"synthesis.html", "synthesis.md", "synthesis.xlsx"} <= set(warm)
    assert sorted(warm) == sorted(fresh)
    differing = [k for k in warm if warm[k] != fresh[k]]
    assert not differing, f"warm lanes and fresh kernels published different {differing}"


def test_fresh_kernels_start_one_kernel_per_run(tiny_project: Path, monkeypatch: pytest.MonkeyPatch):
    """With fresh_kernels, two runs of one chain see different kernel processes (a warm lane reuses one)."""
    from workbook.pipeline.kernels import execute_run

    build = tiny_project / "build"
    build.mkdir()
    a = Run("a", "a.ipynb", {"n": 1}, (), ())
    b = Run("b", "b.ipynb", {"n": 2}, (), ())
    execute_run(a, str(build), fresh_kernel=True)
    execute_run(b, str(build), fresh_kernel=True)
    assert pids(build, "a") != pids(build, "b")
