"""Regenerating the reports: plan the notebook runs, reuse unchanged ones, run the rest in parallel, swap in."""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock, Timeout

from .errors import LockedError, PipelineError
from .paths import evidence_dir, notebooks_dir, project_root, reports_dir
from .swap import recover, swap_in

MANIFEST = ".manifest.json"
BUILD_RECORD = "build.json"
KEEP_FILES = ("README.md", ".gitkeep")
KERNEL_NAME = "python3"


@dataclass(frozen=True)
class Run:
    """One papermill execution: a notebook, its parameters, what it reads and what it writes."""

    name: str
    notebook: str
    parameters: dict[str, Any]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    after: tuple[str, ...] = ()
    html: str = ""

    @property
    def executed_path(self) -> str:
        """Where the executed notebook is kept, relative to reports/."""
        return f"notebooks/{self.name}.ipynb"


@dataclass
class Outcome:
    """What happened to one run in a regeneration."""

    name: str
    status: str
    seconds: float = 0.0
    key: str = ""
    outputs: list[str] = field(default_factory=list)


def _hash_paths(paths: "list[Path]", digest: "hashlib._Hash") -> None:
    """Feed the names and contents of files (directories recursively, sorted) into a digest."""
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            digest.update(str(f.relative_to(project_root()) if project_root() in f.parents else f).encode())
            digest.update(b"\0")
            digest.update(f.read_bytes() if f.exists() else b"<missing>")
            digest.update(b"\0")


def library_hash() -> str:
    """A hash of the installed workbook package's source: a change to the library invalidates every run."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for f in sorted(package.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".html", ".css", ".tpl", ".j2", ".yaml"):
            digest.update(f.name.encode())
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


def plan(case_ids: "list[str]", framework: str = "", learned: bool = False) -> list[Run]:
    """The runs of a full regeneration: extract and code per case, then the synthesis."""
    fw = framework or "framework.yaml"
    common = (fw, "cases.yaml")
    base = {"framework": framework} if framework else {}
    runs: list[Run] = []
    for cid in case_ids:
        runs.append(Run(f"01_extract-{cid}", "01_extract.ipynb", {"case_id": cid, **base},
                        common + (f"sources/{cid}",), (f"findings/{cid}.csv",)))
        code_inputs = common + (f"reviews/{cid}.csv",) + (("sources", "reviews") if learned else ())
        runs.append(Run(f"02_code-{cid}", "02_code.ipynb", {"case_id": cid, **base}, code_inputs,
                        (f"coded/{cid}.csv", f"coded/{cid}.orphans.csv"), (f"01_extract-{cid}",)))
    runs.append(Run("03_synthesis", "03_synthesis.ipynb", dict(base),
                    common + ("reviews", "outcomes.csv", "synthesis", "checklist"),
                    ("tables", "figures", "synthesis.html", "synthesis.md", "synthesis.xlsx"),
                    tuple(f"02_code-{cid}" for cid in case_ids), html="synthesis.html"))
    return runs


# ---------------------------------------------------------------- worker side

_KERNEL: Any = None


def _kernel_manager() -> Any:
    """This worker's kernel manager: one warm kernel reused by its runs, on IPC sockets where possible."""
    global _KERNEL
    if _KERNEL is None:
        from jupyter_client.manager import AsyncKernelManager

        options: dict[str, Any] = {"kernel_name": KERNEL_NAME}
        if os.name == "posix":
            sockets = Path(tempfile.mkdtemp(prefix="wbk-"))
            options.update(transport="ipc", ip=str(sockets / "k"))
            atexit.register(shutil.rmtree, sockets, True)
        _KERNEL = AsyncKernelManager(**options)
        atexit.register(_shutdown_kernel)
    return _KERNEL


def _shutdown_kernel() -> None:
    """Stop this worker's kernel, if it started one."""
    global _KERNEL
    if _KERNEL is not None and _KERNEL.has_kernel:
        from jupyter_core.utils import run_sync

        try:
            run_sync(_KERNEL.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    _KERNEL = None


def execute_run(run: Run, build: str, fresh_kernel: bool = False) -> tuple[str, float]:
    """Execute one notebook run into the build directory (in a worker); returns (name, seconds)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    os.environ["WORKBOOK_REPORTS"] = build
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    out = Path(build) / run.executed_path
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    options: dict[str, Any] = {}
    if not fresh_kernel:
        options["km"] = _kernel_manager()
    try:
        pm.execute_notebook(str(notebooks_dir() / run.notebook), str(out), parameters=run.parameters,
                            kernel_name=KERNEL_NAME, cwd=str(notebooks_dir()), progress_bar=False,
                            request_save_on_cell_execute=False, **options)
    except PapermillExecutionError as exc:
        failed = Path(build).parent / ".reports-failed" / f"{run.name}.ipynb"
        failed.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            shutil.copy2(out, failed)
        raise PipelineError(f"notebook {run.notebook} ({run.name}) failed in cell {exc.exec_count or exc.cell_index}: "
                            f"{exc.ename}: {_strip_ansi(exc.evalue)}. The executed notebook is kept at {failed}. "
                            f"Fix: correct the cause named above and run 'make report' again.") from None
    if run.html:
        from .report import export_html

        export_html(out, Path(build) / run.html)
    return run.name, time.perf_counter() - start


def execute_chain(runs: "list[Run]", build: str) -> list[tuple[str, float]]:
    """Execute dependent runs one after another on this worker's kernel."""
    return [execute_run(run, build) for run in runs]


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", str(text))


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
        return json.loads((reports / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


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


def regenerate(case_ids: "list[str]", *, framework: str = "", learned: bool = False, force: bool = False,
               jobs: "int | None" = None, progress: bool = True, wait_seconds: float = 0,
               after_build: "Callable[[Path], None] | None" = None) -> list[Outcome]:
    """Rebuild the reports into a temporary directory and swap it in; unchanged runs are reused."""
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
            outcomes = _build(case_ids, build, reports, framework, learned, force, jobs, progress)
            if after_build:
                after_build(build)
            for keep in KEEP_FILES:
                if (reports / keep).exists() and not (build / keep).exists():
                    shutil.copy2(reports / keep, build / keep)
            manifest = {o.name: {"key": o.key, "outputs": o.outputs} for o in outcomes}
            (build / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            (build / BUILD_RECORD).write_text(json.dumps([asdict(o) for o in outcomes], indent=1), encoding="utf-8")
            swap_in(build, reports)
        finally:
            if build.exists():
                shutil.rmtree(build, ignore_errors=True)
        return outcomes
    finally:
        lock.release()


def _build(case_ids: "list[str]", build: Path, reports: Path, framework: str, learned: bool, force: bool,
           jobs: "int | None", progress: bool) -> list[Outcome]:
    runs = plan(case_ids, framework, learned)
    lib = library_hash()
    previous = {} if force else _read_manifest(reports)
    keys: dict[str, str] = {}
    outcomes: dict[str, Outcome] = {}
    pending: list[Run] = []
    for run in runs:
        keys[run.name] = run_key(run, keys, lib)
        old = previous.get(run.name)
        deps_fresh = all(outcomes[a].status == "reused" for a in run.after)
        reusable = (old and old.get("key") == keys[run.name] and deps_fresh
                    and all((reports / p).exists() for p in old.get("outputs", [])))
        if reusable:
            for rel in old["outputs"]:
                _link_or_copy(reports / rel, build / rel)
            outcomes[run.name] = Outcome(run.name, "reused", 0.0, keys[run.name], list(old["outputs"]))
        else:
            outcomes[run.name] = Outcome(run.name, "pending", 0.0, keys[run.name])
            pending.append(run)
    if pending:
        _execute(pending, build, jobs, progress, outcomes)
    for run in runs:
        if outcomes[run.name].status == "executed":
            outcomes[run.name].outputs = _existing(build, (*run.outputs, run.executed_path))
    return [outcomes[r.name] for r in runs]


def _existing(build: Path, rels: "tuple[str, ...]") -> list[str]:
    return [rel for rel in rels if (build / rel).exists()]


def _execute(pending: "list[Run]", build: Path, jobs: "int | None", progress: bool,
             outcomes: "dict[str, Outcome]") -> None:
    """Run pending runs: independent chains in parallel worker processes, dependants when ready."""
    from tqdm.auto import tqdm

    chains = _chains(pending)
    names = {r.name for r in pending}
    workers = max(1, min(jobs or os.cpu_count() or 1, len(chains)))
    bar = tqdm(total=len(pending), desc="regenerating", unit="notebook", disable=not progress, leave=True)
    done: set[str] = set()
    waiting = list(chains)
    running: dict[Future, list[Run]] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        try:
            while waiting or running:
                for chain in [c for c in waiting if all(a in done or a not in names for a in c[0].after)]:
                    waiting.remove(chain)
                    running[pool.submit(execute_chain, chain, str(build))] = chain
                if not running:
                    raise PipelineError("the notebook runs have a dependency cycle. Fix: check runner.plan().")
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    chain = running.pop(future)
                    for name, seconds in future.result():
                        outcomes[name].status, outcomes[name].seconds = "executed", round(seconds, 3)
                        done.add(name)
                        bar.update(1)
                        bar.set_postfix_str(name)
        except BaseException:
            for future in running:
                future.cancel()
            raise
        finally:
            bar.close()
