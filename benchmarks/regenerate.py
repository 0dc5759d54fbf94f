"""How close `workbook report` comes to the cost of the statistics stack it must import (issue #11).

Measures, in one run, in temporary copies of the evidence and reports (WORKBOOK_EVIDENCE /
WORKBOOK_REPORTS, so the project's own reports/ is never touched):

- the empty floor: one papermill execution of an empty notebook with a parameters cell, on a fresh
  `python3` kernel (best of 3; papermill imported before the clock starts);
- the stack floor: the same, for a notebook whose one cell imports what the pipeline's notebooks import
  (pandas, matplotlib, statsmodels, the workbook's modules). Every regeneration that runs a notebook pays
  at least this: it is the honest floor, the empty one is printed for reference;
- for each size in --cases (default 3, 30, 300): N cases (the three shipped cases, then synthetic copies
  of them: new case and source ids, the same statements reworded by a number, so each has its own
  findings), and for each: a cold full regeneration (`--force`), nothing changed, and one source of one
  case edited, each timed as a user runs it (a subprocess `python -m workbook report --no-progress`), the
  synthesis notebook's own run time (from the build record: its run on a kernel that imported its
  libraries while the cases were extracted and coded, so imports are not in it), and the peak resident
  memory of the largest process (the command or a kernel).

Goals (a verdict is printed for each):
- one source edited <= 1.5 x stack floor at 3 cases, <= 2 x at 30;
- cold <= 2.5 x stack floor at 3 cases, and linear in notebook runs beyond (seconds per run at the largest
  size <= 1.25 x seconds per run at 30 cases);
- the synthesis's own work <= 1 s at 3 cases, <= 2 s at 30, <= 10 s at 300;
- nothing changed < 0.5 x the empty floor (and no notebook executed).

Usage: python benchmarks/regenerate.py [--cases 3,30,300] [--repeat N] [--jobs N] [--live]
By default the library and notebooks are measured from a copy taken at the start (PYTHONPATH and
WORKBOOK_ROOT point at it), so that someone editing lib/ during the run does not change the library hash;
--live measures the working tree. Exit status 0 whenever the measurement ran (a measurement, not a gate).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("torbay", "english_pilots", "east_london")
EDITED_CASE = "torbay"

STACK_IMPORTS = ("import pandas, matplotlib, matplotlib.pyplot\n"
                 "import workbook.pipeline.stages, workbook.synthesis.figures, workbook.synthesis.statistics, "
                 "workbook.report.writer, workbook.synthesis.checklist, workbook.synthesis.confidence, "
                 "workbook.coding.rules")
"""What the pipeline's notebooks import between them: pandas, matplotlib and the workbook's modules, which
import the parts of statsmodels (and scipy) and openpyxl that the synthesis uses."""


def load() -> str:
    """The machine's load averages, to judge how noisy the timings are."""
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def floor_once(workdir: Path, body: str = "", name: str = "empty") -> float:
    """One papermill execution of a notebook with a parameters cell (and `body`) on a fresh kernel."""
    import nbformat
    import papermill as pm

    src = workdir / f"{name}.ipynb"
    if not src.exists():
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["tags"] = ["parameters"]
        nb = nbformat.v4.new_notebook(cells=[cell] + ([nbformat.v4.new_code_cell(body)] if body else []))
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, str(src))
    start = time.perf_counter()
    pm.execute_notebook(str(src), str(workdir / f"{name}.out.ipynb"), parameters={"x": 2}, kernel_name="python3",
                        progress_bar=False)
    return time.perf_counter() - start


def report(env: dict[str, str], *extra: str) -> tuple[float, float, str]:
    """Run `python -m workbook report --no-progress` as a user would: (seconds, peak MiB, stdout)."""
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "workbook", "report", "--no-progress",
                           *extra], env=env, capture_output=True, text=True, cwd=str(ROOT))
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"workbook report {' '.join(extra)} failed ({done.returncode}):\n{done.stderr}")
    lines = done.stderr.strip().splitlines()
    peak = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else float("nan")
    return seconds, peak, done.stdout.strip()


def records(reports: Path) -> dict[str, dict]:
    """run name -> its record (status, seconds) from the build record."""
    return {r["name"]: r for r in json.loads((reports / "build.json").read_text(encoding="utf-8"))}


def edit_one_source(evidence: Path, case: str, n: int) -> Path:
    """Append a new bullet to the last source file of one case."""
    source = sorted((evidence / "sources" / case).glob("*.md"))[-1]
    with source.open("a", encoding="utf-8") as handle:
        handle.write(f"\n- Benchmark edit {n}: staff reported that shared records made joint working easier.\n")
    return source


def make_cases(evidence: Path, n: int) -> list[str]:
    """Add synthetic cases to a copy of the evidence until it holds n cases; returns every case id."""
    ids = list(SHIPPED[:n])
    block = []
    for i in range(len(SHIPPED), n):
        base = SHIPPED[i % len(SHIPPED)]
        cid = f"{base}_s{i:03d}"
        ids.append(cid)
        folder = evidence / "sources" / cid
        folder.mkdir(parents=True)
        sources = []
        for src in sorted((evidence / "sources" / base).glob("*.md")):
            sid = f"{src.stem}_s{i:03d}"
            sources.append(sid)
            text = re.sub(r"^id: .*$", f"id: {sid}", src.read_text(encoding="utf-8"), count=1, flags=re.M)
            text = re.sub(r"^case: .*$", f"case: {cid}", text, count=1, flags=re.M)
            # each bullet gets the copy's number, so the copy's findings have ids of their own
            text = re.sub(r"^(\s*[-*] )(.+)$", lambda m: f"{m.group(1)}[copy {i}] {m.group(2)}", text, flags=re.M)
            (folder / f"{sid}.md").write_text(text, encoding="utf-8")
        block.append(f"  - id: {cid}\n    name: Synthetic copy {i} of {base}\n    setting: benchmark copy\n"
                     f"    period: n/a\n    programme: benchmark copy of {base}\n    sources: [{', '.join(sources)}]\n")
    if block:
        cases = evidence / "cases.yaml"
        text = cases.read_text(encoding="utf-8")
        cases.write_text(text.rstrip("\n") + "\n" + "".join(block), encoding="utf-8")
    return ids


def summary(times: list[float]) -> tuple[float, str]:
    """(minimum, text) of repeated timings."""
    best = min(times)
    if len(times) == 1:
        return best, f"{best:.2f} s"
    return best, f"{best:.2f} s (min of {len(times)}, median {statistics.median(times):.2f})"


def measure(size: int, tmp_path: Path, base_env: dict[str, str], repeat: int, jobs: tuple[str, ...]) -> dict:
    """Cold, unchanged and one-edit regenerations of `size` cases, with the synthesis time and peak memory."""
    work = tmp_path / f"n{size}"
    evidence, reports = work / "evidence", work / "reports"
    shutil.copytree(ROOT / "evidence", evidence)
    if size < len(SHIPPED):
        raise SystemExit("--cases: each size must be at least 3 (the shipped cases)")
    make_cases(evidence, size)
    env = {**base_env, "WORKBOOK_EVIDENCE": str(evidence), "WORKBOOK_REPORTS": str(reports)}
    cold_t, unchanged_t, edit_t, synth_cold, synth_edit, peaks = [], [], [], [], [], []
    runs, ok_unchanged, ok_edit = 0, True, True
    for i in range(repeat):
        seconds, peak, out = report(env, "--force", *jobs)
        cold_t.append(seconds)
        peaks.append(peak)
        rec = records(reports)
        runs = len(rec)
        synth_cold.append(rec["03_synthesis"]["seconds"])
        seconds, peak, out = report(env, *jobs)
        unchanged_t.append(seconds)
        ok_unchanged &= all(r["status"] == "reused" for r in records(reports).values())
        edit_one_source(evidence, EDITED_CASE, i)
        seconds, peak, out = report(env, *jobs)
        edit_t.append(seconds)
        peaks.append(peak)
        rec = records(reports)
        synth_edit.append(rec["03_synthesis"]["seconds"])
        executed = sorted(n for n, r in rec.items() if r["status"] == "executed")
        ok_edit &= executed == sorted([f"01_extract-{EDITED_CASE}", f"02_code-{EDITED_CASE}", "03_synthesis"])
    findings = sum(len(open(p, encoding="utf-8").read().splitlines()) - 1
                   for p in (reports / "findings").glob("*.csv") if not p.name.endswith(".rejected.csv"))
    return {"size": size, "runs": runs, "findings": findings, "cold": summary(cold_t), "unchanged": summary(unchanged_t),
            "edit": summary(edit_t), "synthesis": min(synth_cold + synth_edit), "peak": max(peaks),
            "ok_unchanged": ok_unchanged, "ok_edit": ok_edit}


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="3,30,300", help="comma-separated numbers of cases (default 3,30,300)")
    parser.add_argument("--repeat", type=int, default=1, help="take each timing N times (the minimum is used)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to workbook report")
    parser.add_argument("--live", action="store_true", help="use the working tree's lib/ and notebooks/, not a copy")
    args = parser.parse_args(argv)
    sizes = sorted({int(x) for x in args.cases.split(",") if x.strip()})
    repeat = max(1, args.repeat)
    cores = os.cpu_count() or 1
    print(f"regeneration benchmark: {cores} cores, Python {sys.version.split()[0]}, {load()}")
    with tempfile.TemporaryDirectory(prefix="wbk-bench-") as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ)
        env.pop("WORKBOOK_ROOT", None)
        if not args.live:
            code = tmp_path / "code"
            shutil.copytree(ROOT / "lib" / "workbook", code / "lib" / "workbook",
                            ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(ROOT / "notebooks", code / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            env["WORKBOOK_ROOT"] = str(code)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code / "lib"), env.get("PYTHONPATH", "")]))
        jobs = ("--jobs", str(args.jobs)) if args.jobs else ()
        os.environ.update({k: env[k] for k in ("PYTHONPATH", "WORKBOOK_ROOT") if k in env})  # the floors' kernels too
        import papermill  # noqa: F401 - imported before the clock starts: a floor is one execution

        empties = [floor_once(tmp_path) for _ in range(3)]
        stacks = [floor_once(tmp_path, STACK_IMPORTS, "stack") for _ in range(3)]
        empty, stack = min(empties), min(stacks)
        print(f"empty floor (empty notebook, fresh kernel, best of 3): {empty:.2f} s "
              f"[{', '.join(f'{t:.2f}' for t in empties)}]")
        print(f"stack floor (the notebooks' imports, fresh kernel, best of 3): {stack:.2f} s = {stack / empty:.2f} x "
              f"empty floor [{', '.join(f'{t:.2f}' for t in stacks)}]")
        results = []
        for size in sizes:
            started = time.perf_counter()
            results.append(measure(size, tmp_path, env, repeat, jobs))
            print(f"  {size} cases measured in {time.perf_counter() - started:.0f} s ({load()})", flush=True)

    print()
    print(f"{'cases':>5} {'runs':>5} {'findings':>8} {'cold':>26} {'x stack':>7} {'s/run':>6} {'unchanged':>26} "
          f"{'one edit':>26} {'x stack':>7} {'synthesis':>9} {'peak MiB':>8}")
    for r in results:
        print(f"{r['size']:>5} {r['runs']:>5} {r['findings']:>8} {r['cold'][1]:>26} {r['cold'][0] / stack:>7.2f} "
              f"{r['cold'][0] / r['runs']:>6.2f} {r['unchanged'][1]:>26} {r['edit'][1]:>26} {r['edit'][0] / stack:>7.2f} "
              f"{r['synthesis']:>8.2f}s {r['peak']:>8.0f}")
    print()
    by = {r["size"]: r for r in results}
    goals = []
    edit_goal = {3: 1.5, 30: 2.0}
    synth_goal = {3: 1.0, 30: 2.0, 300: 10.0}
    for r in results:
        n = r["size"]
        if n in edit_goal:
            goals.append((f"one source edited, {n} cases", f"{r['edit'][0] / stack:.2f} x stack floor",
                          f"<= {edit_goal[n]} x (only that case + synthesis re-run)",
                          r["edit"][0] <= edit_goal[n] * stack and r["ok_edit"]))
        if n in synth_goal:
            goals.append((f"synthesis's own work, {n} cases", f"{r['synthesis']:.2f} s", f"<= {synth_goal[n]:g} s",
                          r["synthesis"] <= synth_goal[n]))
        goals.append((f"nothing changed, {n} cases", f"{r['unchanged'][0] / empty:.2f} x empty floor",
                      "< 0.5 x, every run reused", r["unchanged"][0] < 0.5 * empty and r["ok_unchanged"]))
    if 3 in by:
        goals.append(("cold, 3 cases", f"{by[3]['cold'][0] / stack:.2f} x stack floor", "<= 2.5 x",
                      by[3]["cold"][0] <= 2.5 * stack))
    big = [r for r in results if r["size"] > 30]
    if 30 in by and big:
        per30 = by[30]["cold"][0] / by[30]["runs"]
        for r in big:
            per = r["cold"][0] / r["runs"]
            goals.append((f"cold linear in runs, {r['size']} cases", f"{per:.2f} s/run vs {per30:.2f} at 30 cases",
                          "<= 1.25 x the 30-case rate", per <= 1.25 * per30))
    width = max(len(g[0]) for g in goals)
    for name, value, goal, met in goals:
        print(f"{name:<{width}}  {value:>34}   {goal}: {verdict(met)}")
    print(f"\n{load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
