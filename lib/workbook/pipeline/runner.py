"""Regenerating the reports: plan the notebook runs, reuse unchanged ones, run the rest in parallel, swap in.

How a regeneration spends its time, and what keeps it close to the cost of starting the kernels:

- Every run is keyed (run_key) on its notebook, parameters, the evidence it reads, the library and its
  upstream runs' keys. A run whose key is in the manifest of the current reports is reused: its outputs are
  hard-linked into the new build. With nothing changed no kernel starts and neither pandas nor papermill is
  imported; `workbook report` also skips parsing cases.yaml and the framework when their bytes are those
  the previous report was planned from (cached_plan).
- Pending runs are grouped into chains (a case's extract, then its code). Chains run on "lanes": one warm
  kernel each (IPC transport), driven by one thread of this process; lanes = min(jobs or cores, chains).
  The kernels themselves are the parallel processes, so no worker processes are spawned.
- Each lane starts its kernel as soon as the plan is known and pre-imports the modules of the notebooks
  it is expected to run (the lane meant for the synthesis imports the synthesis's plotting and statistics
  libraries while other lanes extract and code). Between two runs the kernel's namespace is reset, so each
  notebook sees a fresh namespace (modules stay imported).
- The synthesis notebook writes synthesis.html itself, from the same document blocks it shows
  (workbook.report.writer), so no notebook exporter is imported or run.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock, Timeout

from workbook.core.errors import LockedError, PipelineError
from workbook.core.paths import evidence_dir, notebooks_dir, project_root, reports_dir
from workbook.pipeline.kernels import Kernel, execute_run, register_engine, trace, warm_up_code
from workbook.pipeline.runs import Outcome, Run
from workbook.pipeline.swap import recover, swap_in

MANIFEST = ".manifest.json"
BUILD_RECORD = "build.json"
KEEP_FILES = ("README.md", ".gitkeep")
PLAN_CACHE = ".plan.json"
"""In reports/: the case ids and coder choice derived from cases.yaml and the framework file, with those
files' hashes (written by `workbook report`, so an unchanged evidence base need not be parsed again)."""


def _hash_paths(paths: "list[Path]", digest: "hashlib._Hash") -> None:
    """Feed the names and contents of files (directories recursively, sorted) into a digest."""
    root = project_root()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            digest.update(str(f.relative_to(root) if root in f.parents else f).encode())
            digest.update(b"\0")
            try:
                digest.update(f.read_bytes())
            except FileNotFoundError:
                digest.update(b"<missing>")
            digest.update(b"\0")


def library_hash() -> str:
    """A hash of the installed workbook package's source: a change to the library invalidates every run."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for f in sorted(package.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".html", ".css", ".tpl", ".j2", ".yaml"):
            digest.update(f.relative_to(package).as_posix().encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()


def run_key(run: Run, upstream: "dict[str, str]", lib: str) -> str:
    """The cache key of a run: notebook, parameters, evidence read, upstream keys and library version."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"nb": run.notebook, "params": run.parameters, "lib": lib,
                              "after": [upstream[a] for a in run.after]}, sort_keys=True).encode())
    _hash_paths([notebooks_dir() / run.notebook], digest)
    _hash_paths([evidence_dir() / p for p in run.inputs], digest)
    return digest.hexdigest()


def plan(case_ids: "list[str]", framework: str = "", learned: bool = False,
         allow_unreadable_reviews: bool = False) -> list[Run]:
    """The runs of a full regeneration: extract and code per case, then the synthesis."""
    fw = framework or "framework.yaml"
    common = (fw, "cases.yaml")
    base = {"framework": framework} if framework else {}
    runs: list[Run] = []
    for cid in case_ids:
        runs.append(Run(f"01_extract-{cid}", "01_extract.ipynb", {"case_id": cid, **base},
                        common + (f"sources/{cid}", "extraction.yaml", f"reviews/{cid}/candidates.csv"),
                        (f"findings/{cid}.csv", f"findings/{cid}.rejected.csv")))
        code_inputs = common + (f"reviews/{cid}.csv", f"reviews/{cid}", "models") + (("sources", "reviews") if learned else ())
        lenient = {"allow_unreadable_reviews": True} if allow_unreadable_reviews else {}
        runs.append(Run(f"02_code-{cid}", "02_code.ipynb", {"case_id": cid, **base, **lenient}, code_inputs,
                        (f"coded/{cid}.csv", f"coded/{cid}.orphans.csv"), (f"01_extract-{cid}",)))
    runs.append(Run("03_synthesis", "03_synthesis.ipynb", dict(base),
                    common + ("reviews", "outcomes.csv", "synthesis", "checklist"),
                    ("tables", "figures", "synthesis.html", "synthesis.md", "synthesis.xlsx"),
                    tuple(f"02_code-{cid}" for cid in case_ids)))
    return runs


# ---------------------------------------------------------------- main side

def _link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link a reused output into the build (files are only ever replaced, never edited in place)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, copy_function=_link_file, dirs_exist_ok=True)
    else:
        _link_file(src, dst)


def _link_file(src: "str | Path", dst: "str | Path") -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _read_manifest(reports: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((reports / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _chains(pending: "list[Run]") -> list[list[Run]]:
    """Group pending runs into chains: each run joins the chain of the pending run it depends on."""
    chains: list[list[Run]] = []
    where: dict[str, int] = {}
    for run in pending:
        deps = [where[a] for a in run.after if a in where]
        if len(deps) == 1 and len(run.after) == 1:
            chains[deps[0]].append(run)
            where[run.name] = deps[0]
        else:
            chains.append([run])
            where[run.name] = len(chains) - 1
    return chains


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def regenerate(case_ids: "list[str]", *, framework: str = "", learned: bool = False, force: bool = False,
               jobs: "int | None" = None, progress: bool = True, wait_seconds: float = 0,
               after_build: "Callable[[Path], None] | None" = None,
               fresh_kernels: bool = False, allow_unreadable_reviews: bool = False) -> list[Outcome]:
    """Rebuild the reports into a temporary directory and swap it in; unchanged runs are reused.

    With fresh_kernels every notebook runs on a kernel started for it alone (no warm lanes, no pre-imports).
    With allow_unreadable_reviews the code notebooks publish despite unreadable review rows (listed in the report).
    """
    args = {"case_ids": list(case_ids), "framework": framework, "learned": bool(learned),
            "allow_unreadable_reviews": bool(allow_unreadable_reviews)}
    return _locked_build(lambda build, reports: _build(args, build, reports, force, jobs, progress, fresh_kernels),
                         wait_seconds, after_build)


def _plan_files(framework: str) -> dict[str, str]:
    """sha256 of the files the plan's arguments come from (cases.yaml, the framework file) and of the library."""
    hashes = {"library": library_hash()}
    for rel in ("cases.yaml", framework or "framework.yaml"):
        try:
            hashes[rel] = hashlib.sha256((evidence_dir() / rel).read_bytes()).hexdigest()
        except OSError:
            hashes[rel] = "<missing>"
    return hashes


def cached_plan(framework: str = "") -> "dict[str, Any] | None":
    """The case ids and coder choice recorded by the last `workbook report`, if cases.yaml, the framework
    file and the library are byte-identical since: {"case_ids": [...], "learned": bool}; else None."""
    try:
        cached = json.loads((reports_dir() / PLAN_CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(cached, dict) or cached.get("framework") != framework
            or cached.get("hashes") != _plan_files(framework)):
        return None
    try:
        return {"case_ids": [str(c) for c in cached["case_ids"]], "learned": bool(cached["learned"])}
    except (KeyError, TypeError):
        return None


def plan_cache_writer(framework: str, case_ids: "list[str]", learned: bool) -> "Callable[[Path], None]":
    """An after_build callback recording the plan's arguments (see cached_plan) in the new build.

    Hashes are taken now, before the build: the arguments were derived from these bytes.
    """
    record = {"framework": framework, "case_ids": list(case_ids), "learned": bool(learned),
              "hashes": _plan_files(framework)}

    def write(build: Path) -> None:
        (build / PLAN_CACHE).write_text(json.dumps(record, indent=1), encoding="utf-8")

    return write


def _locked_build(make: "Callable[[Path, Path], list[Outcome]]", wait_seconds: float,
                  after_build: "Callable[[Path], None] | None") -> list[Outcome]:
    """Under the reports lock: build into a temporary directory beside reports/ and swap it in."""
    reports = reports_dir()
    reports.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(reports.parent / f".{reports.name}.lock"))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise LockedError(f"another regeneration is running (lock {lock.lock_file}). Fix: wait for it to finish "
                          f"and run again, or pass --wait SECONDS to queue behind it.") from None
    try:
        recover(reports)
        for stale in reports.parent.glob(f".{reports.name}-build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        build = Path(tempfile.mkdtemp(prefix=f".{reports.name}-build-", dir=reports.parent))
        try:
            outcomes = make(build, reports)
            if after_build:
                after_build(build)
            for keep in KEEP_FILES:
                if (reports / keep).exists() and not (build / keep).exists():
                    shutil.copy2(reports / keep, build / keep)
            swap_in(build, reports)
        finally:
            if build.exists():
                shutil.rmtree(build, ignore_errors=True)
        return outcomes
    finally:
        lock.release()


def _reusable(runs: "list[Run]", previous: dict[str, Any], reports: Path) -> tuple[dict[str, Outcome], list[Run]]:
    """Key every run; those whose key and outputs are in the previous build are reused, the rest pending."""
    lib = library_hash()
    keys: dict[str, str] = {}
    outcomes: dict[str, Outcome] = {}
    pending: list[Run] = []
    for run in runs:
        keys[run.name] = run_key(run, keys, lib)
        old = previous.get(run.name)
        deps_fresh = all(outcomes[a].status == "reused" for a in run.after)
        reusable = (isinstance(old, dict) and old.get("key") == keys[run.name] and deps_fresh
                    and all((reports / p).exists() for p in old.get("outputs", [])))
        if reusable:
            outcomes[run.name] = Outcome(run.name, "reused", 0.0, keys[run.name], list(old["outputs"]))
        else:
            outcomes[run.name] = Outcome(run.name, "pending", 0.0, keys[run.name])
            pending.append(run)
    return outcomes, pending


def _link_reused(outcomes: "dict[str, Outcome]", build: Path, reports: Path) -> None:
    for outcome in outcomes.values():
        if outcome.status == "reused":
            for rel in outcome.outputs:
                _link_or_copy(reports / rel, build / rel)


def _write_records(build: Path, outcomes: "dict[str, Outcome]") -> None:
    """The manifest (key and outputs of every run) and build.json (what was reused and executed)."""
    manifest = {o.name: {"key": o.key, "outputs": o.outputs} for o in outcomes.values()}
    (build / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (build / BUILD_RECORD).write_text(json.dumps([asdict(o) for o in outcomes.values()], indent=1), encoding="utf-8")


def _build(args: dict[str, Any], build: Path, reports: Path, force: bool, jobs: "int | None",
           progress: bool, fresh_kernels: bool = False) -> list[Outcome]:
    runs = plan(args["case_ids"], args["framework"], args["learned"], args.get("allow_unreadable_reviews", False))
    outcomes, pending = _reusable(runs, {} if force else _read_manifest(reports), reports)
    _link_reused(outcomes, build, reports)
    if pending:
        _execute(pending, build, jobs, progress, outcomes, fresh_kernels)
    for run in runs:
        if outcomes[run.name].status == "executed":
            outcomes[run.name].outputs = _existing(build, (*run.outputs, run.executed_path))
    ordered = {r.name: outcomes[r.name] for r in runs}
    _write_records(build, ordered)
    return list(ordered.values())


def _existing(build: Path, rels: "tuple[str, ...]") -> list[str]:
    return [rel for rel in rels if (build / rel).exists()]


def _homes(chains: "list[list[Run]]", names: "set[str]", lanes: int) -> list[int]:
    """The lane each chain is expected to run on (its kernel pre-imports for it): chains that wait for
    other pending chains (the synthesis) go to the last lane, the others are spread over the rest."""
    joins = [i for i, c in enumerate(chains) if any(a in names for a in c[0].after)]
    homes = [0] * len(chains)
    others = max(1, lanes - 1) if joins else lanes
    n = 0
    for i in range(len(chains)):
        if i in joins:
            homes[i] = lanes - 1
        else:
            homes[i] = n % others
            n += 1
    return homes


def _assign(ready: "list[int]", homes: "list[int]", joins: "list[bool]", idle: "list[int]",
            warmed: "set[int]") -> list[tuple[int, int]]:
    """(chain, lane) pairs to start now: a ready chain goes to its home lane (which pre-imported for it) when
    that lane is idle, else to any idle lane; a joining chain (the synthesis) waits while its home lane is
    still warming up, since starting elsewhere would import everything again."""
    free = list(idle)
    pairs: list[tuple[int, int]] = []
    for i in ready:
        if not free:
            break
        if homes[i] in free:
            lane = homes[i]
        elif joins[i] and homes[i] not in warmed:
            continue
        else:
            lane = free[0]
        free.remove(lane)
        pairs.append((i, lane))
    return pairs


class _Lanes:
    """Worker threads, each with one kernel, that run the chains of runs handed to them and report on one queue:
    ("done", lane, (name, seconds)) after each run, ("idle", lane, None) when ready for more, ("error", lane, exc)."""

    def __init__(self, chains: "list[list[Run]]", homes: "list[int]", n_lanes: int, build: Path,
                 fresh_kernels: bool) -> None:
        import queue
        import threading

        self.build, self.fresh = str(build), fresh_kernels
        self.events: "queue.Queue[tuple[str, int, Any]]" = queue.Queue()
        self.kernels: list[Kernel] = []
        self.inboxes: "list[queue.Queue[list[Run] | None]]" = []
        for lane in range(n_lanes):
            notebooks: list[str] = []
            for i, chain in enumerate(chains):
                if homes[i] == lane:
                    notebooks += [r.notebook for r in chain if r.notebook not in notebooks]
            self.kernels.append(Kernel(self.build, "" if fresh_kernels else warm_up_code(notebooks)))
            self.inboxes.append(queue.Queue())
        self.threads = [threading.Thread(target=self._main, args=(i,), name=f"workbook-lane-{i}", daemon=True)
                        for i in range(n_lanes)]

    def _main(self, lane: int) -> None:
        """One lane: start its kernel, then run each chain it is handed until it is handed None."""
        kernel = self.kernels[lane]
        try:
            if not self.fresh:
                kernel.start()
            self.events.put(("idle", lane, None))
            while True:
                chain = self.inboxes[lane].get()
                if chain is None:
                    break
                for run in chain:
                    seconds = (execute_run(run, self.build, fresh_kernel=True)[1] if self.fresh
                               else kernel.execute(run))
                    self.events.put(("done", lane, (run.name, seconds)))
                self.events.put(("idle", lane, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.events.put(("error", lane, exc))
        finally:
            kernel.stop()

    def start(self) -> None:
        """Boot the kernels, import what the lanes use, then start the lanes."""
        for kernel in self.kernels:  # first: the kernels boot while this process imports
            if not self.fresh:
                kernel.launch()
        # everything the lanes use is imported here, before they start: two threads importing the same
        # packages at once can see a partially initialised module
        import jupyter_client.asynchronous  # noqa: F401
        import jupyter_core.utils  # noqa: F401
        import papermill  # noqa: F401

        register_engine()
        trace("papermill imported")
        for thread in self.threads:
            thread.start()

    def stop(self, ok: bool) -> None:
        """End every lane and kernel: at once (killing the kernels, quietly) when the regeneration failed."""
        import logging

        papermill_log = logging.getLogger("papermill")
        level = papermill_log.level
        if not ok:  # stop at once; the lanes' "kernel died" messages are expected, not news
            papermill_log.setLevel(logging.CRITICAL)
            for kernel in self.kernels:
                kernel.kill()
        for inbox in self.inboxes:
            inbox.put(None)
        for thread in self.threads:
            if thread.ident is not None:
                thread.join(timeout=None if ok else 15)
        papermill_log.setLevel(level)
        for kernel, thread in zip(self.kernels, self.threads):
            if not thread.is_alive():  # a lane stops its own kernel; this covers lanes never started
                kernel.stop()


def _dispatch(lanes: _Lanes, chains: "list[list[Run]]", names: "set[str]", homes: "list[int]",
              outcomes: "dict[str, Outcome]", bar: Any) -> None:
    """Hand each chain to a lane once the runs it waits for are done, recording each run's outcome."""
    import queue

    n_lanes = len(lanes.threads)
    done: set[str] = set()
    warmed: set[int] = set()
    joins = [any(a in names for a in chain[0].after) for chain in chains]
    waiting = list(range(len(chains)))
    idle: list[int] = []
    while waiting or len(idle) < n_lanes:
        try:
            kind, lane, payload = lanes.events.get(timeout=0.5)
        except queue.Empty:
            continue
        if kind == "error":
            raise payload
        if kind == "done":
            name, seconds = payload
            outcomes[name].status, outcomes[name].seconds = "executed", round(seconds, 3)
            done.add(name)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(name)
            continue  # the lane reports idle when its chain is done: assign then, so that a chain
            # waiting for this one can still go to the lane that pre-imported for it
        idle.append(lane)
        warmed.add(lane)
        ready = [i for i in waiting if all(a in done or a not in names for a in chains[i][0].after)]
        for i, lane_for in _assign(ready, homes, joins, idle, warmed):
            idle.remove(lane_for)
            waiting.remove(i)
            lanes.inboxes[lane_for].put(chains[i])
        if waiting and not ready and len(idle) == n_lanes:
            raise PipelineError("the notebook runs have a dependency cycle. Fix: check runner.plan().")


def _execute(pending: "list[Run]", build: Path, jobs: "int | None", progress: bool,
             outcomes: "dict[str, Outcome]", fresh_kernels: bool = False) -> None:
    """Run pending runs in parallel lanes (independent chains, dependants when ready), each lane on one warm
    kernel, or with fresh_kernels on a new kernel per run."""
    chains = _chains(pending)
    names = {r.name for r in pending}
    n_lanes = max(1, min(jobs or _cores(), len(chains)))
    homes = _homes(chains, names, n_lanes)
    lanes = _Lanes(chains, homes, n_lanes, build, fresh_kernels)
    trace(f"{len(pending)} pending run(s) in {len(chains)} chain(s) on {n_lanes} lane(s)")
    bar = None
    ok = False
    try:
        lanes.start()
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(pending), desc="regenerating", unit="notebook", leave=True)
        _dispatch(lanes, chains, names, homes, outcomes, bar)
        ok = True
    finally:
        lanes.stop(ok)
        if bar is not None:
            bar.close()
