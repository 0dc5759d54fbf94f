"""How close `workbook report` comes to the cost of starting a kernel.

Measures, in one run and in a temporary copy of the evidence with a temporary reports directory
(WORKBOOK_EVIDENCE / WORKBOOK_REPORTS, so the project's own reports/ is never touched):

- the floor: one papermill execution of an empty notebook with a parameters cell, on a fresh
  `python3` kernel (the best of 3; papermill is imported before the clock starts);
- the first regeneration on a fresh machine: `workbook report --force` with an empty compile cache
  (WORKBOOK_CACHE, where the rule coder keeps its compiled regular expressions); shown, not a goal;
- a cold full regeneration (`workbook report --force`: every notebook run again; the compile cache
  is kept, as Python keeps its bytecode cache);
- a regeneration with nothing changed;
- a regeneration after appending one bullet to one source file of one case.

Each regeneration is timed as a user runs it: a subprocess `python -m workbook report --no-progress`,
so interpreter start-up and imports count. Prints each time, its ratio to the floor, and whether the
goals of issue #7 are met:

- cold      <= (notebook runs / cores + 1) x floor
- unchanged <  0.5 x floor (and no notebook executed, so no kernel started)
- one edit  <= 3 x floor

Usage: python benchmarks/regenerate.py [--repeat N] [--jobs N] [--live]
With --repeat N every measurement is taken N times; the minimum is compared with the goals and the
median is shown too. By default the library (lib/workbook) and the notebooks are measured from a copy
taken at the start (PYTHONPATH and WORKBOOK_ROOT point at it), so that someone editing lib/ during the
run does not change the library hash between builds and turn "nothing changed" into a rebuild; --live
measures the working tree instead. Exit status 0 whenever the measurement ran (it is a measurement, not
a gate).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITED_CASE = "torbay"


def load() -> str:
    """The machine's load averages, to judge how noisy the timings are."""
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


SYNTHESIS_IMPORTS = ("import workbook.pipeline.stages, workbook.synthesis.figures, workbook.synthesis.statistics, workbook.report.writer, "
                     "workbook.synthesis.checklist, workbook.synthesis.confidence")
"""What the synthesis notebook imports (pandas, matplotlib, statsmodels and scipy, openpyxl among them)."""


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


def report(env: dict[str, str], *extra: str) -> tuple[float, str]:
    """Run `python -m workbook report --no-progress` as a user would; returns (seconds, stdout)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "workbook", "report", "--no-progress", *extra], env=env,
                          capture_output=True, text=True, cwd=str(ROOT))
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"workbook report {' '.join(extra)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout.strip()


def statuses(reports: Path) -> dict[str, str]:
    """run name -> executed | reused, from the build record."""
    return {r["name"]: r["status"] for r in json.loads((reports / "build.json").read_text(encoding="utf-8"))}


def edit_one_source(evidence: Path, case: str, n: int) -> Path:
    """Append a new bullet to the last source file of one case."""
    source = sorted((evidence / "sources" / case).glob("*.md"))[-1]
    with source.open("a", encoding="utf-8") as handle:
        handle.write(f"\n- Benchmark edit {n}: staff reported that shared records made joint working easier.\n")
    return source


def summary(times: list[float]) -> tuple[float, str]:
    """(minimum, text) of repeated timings."""
    best = min(times)
    if len(times) == 1:
        return best, f"{best:6.2f} s"
    return best, f"{best:6.2f} s (min of {len(times)}; median {statistics.median(times):.2f} s)"


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="take each regeneration timing N times (min is used)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to workbook report")
    parser.add_argument("--live", action="store_true", help="use the working tree's lib/ and notebooks/, not a copy")
    parser.add_argument("--lib", default="", help="measure the workbook package in this directory (a copy of "
                                                  "lib/workbook, e.g. an older version) instead of lib/workbook")
    args = parser.parse_args(argv)
    repeat = max(1, args.repeat)
    cores = os.cpu_count() or 1
    print(f"regeneration benchmark: {cores} cores, Python {sys.version.split()[0]}, {load()}")

    with tempfile.TemporaryDirectory(prefix="wbk-bench-") as tmp:
        tmp_path = Path(tmp)
        evidence = tmp_path / "evidence"
        shutil.copytree(ROOT / "evidence", evidence)
        reports = tmp_path / "reports"
        env = {**os.environ, "WORKBOOK_EVIDENCE": str(evidence), "WORKBOOK_REPORTS": str(reports),
               "WORKBOOK_CACHE": str(tmp_path / "cache")}
        env.pop("WORKBOOK_ROOT", None)
        if not args.live:
            code = tmp_path / "code"
            shutil.copytree(Path(args.lib) if args.lib else ROOT / "lib" / "workbook", code / "lib" / "workbook",
                            ignore=shutil.ignore_patterns("__pycache__"))
            shutil.copytree(ROOT / "notebooks", code / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            env["WORKBOOK_ROOT"] = str(code)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code / "lib"), env.get("PYTHONPATH", "")]))
            print(f"measuring a copy of lib/workbook and notebooks/ taken now ({code}); --live for the working tree")
        jobs = ("--jobs", str(args.jobs)) if args.jobs else ()

        import papermill  # noqa: F401 - imported before the clock starts: the floor is one execution

        floors = [floor_once(tmp_path) for _ in range(3)]
        floor = min(floors)
        print(f"floor (empty notebook, fresh kernel, best of 3): {floor:.2f} s  "
              f"[{', '.join(f'{t:.2f}' for t in floors)}]")

        imports = min(floor_once(tmp_path, SYNTHESIS_IMPORTS, "imports") for _ in range(3))
        print(f"the synthesis notebook's imports alone (fresh kernel, best of 3): {imports:.2f} s = "
              f"{imports / floor:.2f} x floor  [a lower bound for any regeneration that re-runs the synthesis]")
        first, out = report(env, "--force", *jobs)
        print(f"  first regeneration, empty compile cache: {first:.2f} s = {first / floor:.2f} x floor")
        cold_t, unchanged_t, edit_t = [], [], []
        runs = 0
        ok_unchanged = ok_edit = True
        edited = ""
        for i in range(repeat):
            seconds, out = report(env, "--force", *jobs)
            cold_t.append(seconds)
            st = statuses(reports)
            runs = len(st)
            if i == 0:
                print(f"  cold: {out}")
            seconds, out = report(env, *jobs)
            unchanged_t.append(seconds)
            ok_unchanged &= all(s == "reused" for s in statuses(reports).values())
            if i == 0:
                print(f"  unchanged: {out}")
            edited = str(edit_one_source(evidence, EDITED_CASE, i).relative_to(evidence))
            seconds, out = report(env, *jobs)
            edit_t.append(seconds)
            executed = sorted(n for n, s in statuses(reports).items() if s == "executed")
            expected = sorted([f"01_extract-{EDITED_CASE}", f"02_code-{EDITED_CASE}", "03_synthesis"])
            ok_edit &= executed == expected
            if i == 0:
                print(f"  one source edited ({edited}): {out}")

        cold, cold_s = summary(cold_t)
        unchanged, unchanged_s = summary(unchanged_t)
        edit, edit_s = summary(edit_t)
        cold_goal = runs / cores + 1
        print()
        print(f"{'measurement':<28}{'time':>44}{'x floor':>9}   goal")
        rows = [
            ("cold full regeneration", cold_s, cold / floor, f"<= {cold_goal:.2f} x ({runs} runs / {cores} cores + 1)",
             cold <= cold_goal * floor),
            ("nothing changed", unchanged_s, unchanged / floor, "< 0.50 x, every run reused",
             unchanged < 0.5 * floor and ok_unchanged),
            ("one source edited", edit_s, edit / floor, "<= 3.00 x, only that case + synthesis re-run",
             edit <= 3 * floor and ok_edit),
        ]
        for name, text, ratio, goal, met in rows:
            print(f"{name:<28}{text:>44}{ratio:>8.2f}x   {goal}: {'MET' if met else 'NOT MET'}")
        if not ok_unchanged:
            print("  note: a run was re-executed although nothing changed (is another process editing lib/?)")
        if not ok_edit:
            print("  note: the edit re-executed other runs than the edited case's and the synthesis")
        print(f"\n{load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
