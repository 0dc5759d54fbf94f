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
- The lane that ran the synthesis exports synthesis.html inside its kernel, where pandas, the report
  modules and nbconvert are already imported.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
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
_T0 = time.perf_counter()
PLAN_CACHE = ".plan.json"
"""In reports/: the case ids and coder choice derived from cases.yaml and the framework file, with those
files' hashes (written by `workbook report`, so an unchanged evidence base need not be parsed again)."""
ENGINE = "workbook-warm"
"""The papermill engine (registered by this module) that executes on an already running kernel and client."""


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


# ---------------------------------------------------------------- kernels

def _trace(message: str) -> None:
    """Timeline of a regeneration on stderr when WORKBOOK_TRACE is set (seconds since the module loaded)."""
    if os.environ.get("WORKBOOK_TRACE"):
        import threading

        print(f"[{time.perf_counter() - _T0:7.3f} {threading.current_thread().name}] {message}", file=sys.stderr)


def _new_kernel_manager() -> "tuple[Any, Path | None]":
    """A kernel manager for the pipeline's kernel, on IPC sockets in a private directory where possible."""
    from jupyter_client.manager import AsyncKernelManager

    options: dict[str, Any] = {"kernel_name": KERNEL_NAME}
    sockets = None
    if os.name == "posix":
        sockets = Path(tempfile.mkdtemp(prefix="wbk-"))
        options.update(transport="ipc", ip=str(sockets / "k"))
    return AsyncKernelManager(**options), sockets


def _kernel_env(build: str) -> dict[str, str]:
    """The environment of a pipeline kernel: the build directory is where the notebooks write."""
    env = dict(os.environ)
    env["WORKBOOK_REPORTS"] = build
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def warm_up_code(notebooks: "list[str]", export: bool = False) -> str:
    """Code that imports, inside a function (so no name is left behind), what the notebooks import.

    Only top-level import statements are taken; each is guarded, so a failing import is left for the
    notebook itself to report in its own cell.
    """
    import ast

    statements: list[str] = []
    for name in notebooks:
        try:
            cells = json.loads((notebooks_dir() / name).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", ""))
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.module != "__future__"
                                                     and all(a.name != "*" for a in node.names)):
                    text = ast.unparse(node)
                    if text not in statements:
                        statements.append(text)
    if export:
        statements += ["from nbconvert import HTMLExporter", "from workbook.report import export_html"]
    if not statements:
        return ""
    body = "".join(f"    try:\n        {s}\n    except Exception:\n        pass\n" for s in statements)
    return f"def __wbk_warm():\n{body}__wbk_warm()\ndel __wbk_warm\n"


RESET_CODE = ("import sys as __wbk_sys\n"
              "if 'matplotlib.pyplot' in __wbk_sys.modules:\n"
              "    __wbk_sys.modules['matplotlib.pyplot'].close('all')\n"
              "del __wbk_sys\n"
              "get_ipython().reset(new_session=True)\n")
"""Run between two notebooks on one kernel: a fresh namespace and execution count; modules stay imported."""


_ENGINE_REGISTERED = False


def _register_engine() -> None:
    """Register the papermill engine that runs on a given, already connected kernel client."""
    global _ENGINE_REGISTERED
    if _ENGINE_REGISTERED:
        return
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine, handed the lane's running kernel client instead of starting one.

        nbclient otherwise connects a new client for every notebook and waits for it to be ready
        (at least 0.2 s of waiting each time).
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: Any = None, kc: Any = None, **kwargs: Any) -> Any:
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.log import logger
            from papermill.utils import merge_kwargs, remove_args

            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(safe_kwargs, timeout=execution_timeout or kwargs.get("timeout"),
                                        startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                        log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, **final_kwargs)
            client.kc = kc
            return client.execute()

    papermill_engines.register(ENGINE, WarmKernelEngine)
    _ENGINE_REGISTERED = True


def _kernel_command(connection_file: Path) -> tuple[list[str], dict[str, str]]:
    """The python3 kernel's command line and extra environment, resolved as jupyter_client does (the
    kernelspec named python3 in the Jupyter data path, else ipykernel's own; "python" is this interpreter)."""
    from jupyter_core.paths import jupyter_path

    spec: dict[str, Any] = {}
    for directory in jupyter_path("kernels"):
        candidate = Path(directory) / KERNEL_NAME / "kernel.json"
        if candidate.is_file():
            try:
                spec = json.loads(candidate.read_text(encoding="utf-8"))
                resources = candidate.parent
                break
            except (OSError, ValueError):
                continue
    argv = [str(a) for a in spec.get("argv") or ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]]
    if argv[0] in ("python", f"python{sys.version_info[0]}", "python%d.%d" % sys.version_info[:2]):
        argv[0] = sys.executable
    resource_dir = str(resources) if spec else ""
    argv = [a.replace("{connection_file}", str(connection_file)).replace("{resource_dir}", resource_dir) for a in argv]
    if any("ipykernel" in a for a in argv):
        argv.append("--HistoryManager.hist_file=:memory:")  # no history database shared between kernels
    return argv, {str(k): str(v) for k, v in (spec.get("env") or {}).items()}


class _RunningKernel:
    """What nbclient asks of a kernel manager when it is handed a kernel that is already running and a
    connected client: that there is a kernel, whether it lives, and interrupting it."""

    has_kernel = True

    def __init__(self, process: Any) -> None:
        self.process = process

    async def is_alive(self) -> bool:
        return self.process.poll() is None

    async def interrupt_kernel(self) -> None:
        import signal

        self.process.send_signal(signal.SIGINT)


_CLIENT_CLASS: Any = None


def _client_class() -> Any:
    """An async kernel client that knows its kernel's process (nbclient polls is_alive while it waits)."""
    global _CLIENT_CLASS
    if _CLIENT_CLASS is None:
        from jupyter_client.asynchronous import AsyncKernelClient

        class LaneClient(AsyncKernelClient):
            process: Any = None

            async def _async_is_alive(self) -> bool:
                return self.process is None or self.process.poll() is None

            is_alive = _async_is_alive

        _CLIENT_CLASS = LaneClient
    return _CLIENT_CLASS


class _Kernel:
    """One warm kernel for one build: launched early, then driven from a single thread, which connects,
    pre-imports, runs notebooks one after another (namespace reset between them), exports HTML in place,
    and stops it at the end."""

    def __init__(self, build: str, warm: str = "") -> None:
        self.build = build
        self.warm = warm
        self.process: Any = None
        self.km: Any = None
        self.kc: Any = None
        self.sockets: "Path | None" = None
        self.connection: dict[str, Any] = {}
        self.used = False

    def launch(self) -> None:
        """Start the kernel process. On POSIX this needs no Jupyter import (a connection file on IPC sockets
        in a private directory, and the kernelspec's command), so kernels boot while this process imports."""
        if os.name != "posix":
            from jupyter_core.utils import run_sync

            self.km, self.sockets = _new_kernel_manager()
            run_sync(self.km.start_kernel)(cwd=str(notebooks_dir()), env=_kernel_env(self.build),
                                           extra_arguments=["--HistoryManager.hist_file=:memory:"])
            self.process = self.km.provisioner.process
            return
        import secrets
        import subprocess

        self.sockets = Path(tempfile.mkdtemp(prefix="wbk-"))
        self.connection = {"transport": "ipc", "ip": str(self.sockets / "k"), "shell_port": 1, "iopub_port": 2,
                           "stdin_port": 3, "control_port": 4, "hb_port": 5, "key": secrets.token_hex(32),
                           "signature_scheme": "hmac-sha256", "kernel_name": KERNEL_NAME}
        connection_file = self.sockets / "kernel.json"
        with open(os.open(connection_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            json.dump(self.connection, handle)
        argv, spec_env = _kernel_command(connection_file)
        env = _kernel_env(self.build)
        env.update(spec_env)
        env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits if this process dies
        self.process = subprocess.Popen(argv, cwd=str(notebooks_dir()), env=env, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        self.km = _RunningKernel(self.process)
        _trace(f"kernel launched ({self.sockets})")

    def start(self) -> None:
        """Launch (unless launched), connect, wait until the kernel answers, and pre-import (waiting)."""
        from jupyter_core.utils import run_sync

        if self.process is None:
            self.launch()
        if self.kc is None:
            if self.connection:
                self.kc = _client_class()()
                self.kc.process = self.process
                self.kc.load_connection_info(self.connection)
            else:
                self.kc = self.km.client()
            self.kc.start_channels(hb=False)
        run_sync(self._ready)()
        _trace("kernel ready")
        if self.warm:
            run_sync(self._call)(self.warm)
            _trace("kernel warm")

    def _alive(self) -> bool:
        return self.process is None or self.process.poll() is None

    async def _ready(self, timeout: float = 60) -> None:
        """Wait until the kernel answers on shell and its output channel is connected."""
        from queue import Empty

        deadline = time.monotonic() + timeout
        while True:
            msg_id = self.kc.kernel_info()
            try:
                reply = await self._reply(msg_id, 1.0)
            except Empty:
                reply = None
            if reply is not None:
                try:  # the kernel's "busy"/"idle" for this request shows the output channel is subscribed
                    while True:
                        msg = await self.kc.get_iopub_msg(timeout=0.2)
                        if msg["parent_header"].get("msg_id") == msg_id:
                            return
                except Empty:
                    pass
            if not self._alive():
                raise PipelineError(f"the notebook kernel ({KERNEL_NAME}) died while starting. Fix: run "
                                    f"'.venv/bin/python -m ipykernel_launcher --help' to see why it cannot start.")
            if time.monotonic() > deadline:
                raise PipelineError(f"the notebook kernel did not answer within {timeout:g} s. Fix: check the "
                                    f"machine's load and run again.")

    async def _reply(self, msg_id: str, timeout: "float | None") -> dict[str, Any]:
        """The shell reply to one request (other replies are skipped); raises queue.Empty on timeout."""
        from queue import Empty

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))
            try:
                msg = await self.kc.get_shell_msg(timeout=wait)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
                if not self._alive():
                    raise PipelineError("the notebook kernel died. Fix: check the machine's memory and run "
                                        "again.") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    async def _call(self, code: str) -> dict[str, Any]:
        """Execute code silently and return the reply content (status ok/error, ename, evalue)."""
        msg_id = self.kc.execute(code, silent=True, store_history=False, stop_on_error=False, allow_stdin=False)
        return (await self._reply(msg_id, None))["content"]

    def execute(self, run: Run) -> float:
        """Execute one run into the build; returns seconds (the HTML export included)."""
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        _register_engine()
        start = time.perf_counter()
        _trace(f"run {run.name}")
        if self.used:  # queued before the notebook's own requests; the kernel handles them in order
            self.kc.execute(RESET_CODE, silent=True, store_history=False, stop_on_error=False)
        self.used = True
        out = Path(self.build) / run.executed_path
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            pm.execute_notebook(str(notebooks_dir() / run.notebook), str(out), parameters=run.parameters,
                                engine_name=ENGINE, kernel_name=KERNEL_NAME, progress_bar=False,
                                request_save_on_cell_execute=False, km=self.km, kc=self.kc)
        except PapermillExecutionError as exc:
            raise _failed(run, self.build, out, exc) from None
        except PipelineError:
            raise
        except Exception as exc:  # the kernel died, a timeout, an unreadable notebook
            raise PipelineError(f"notebook {run.notebook} ({run.name}) could not be executed: "
                                f"{type(exc).__name__}: {_strip_ansi(exc)}. Fix: check the machine's memory and "
                                f"the notebook file, and run 'make report' again.") from exc
        _trace(f"executed {run.name}")
        if run.html:
            from jupyter_core.utils import run_sync

            target = Path(self.build) / run.html
            reply = run_sync(self._call)(f"from workbook.report import export_html as __wbk_export\n"
                                         f"__wbk_export({str(out)!r}, {str(target)!r})\n"
                                         f"del __wbk_export\n")
            if reply.get("status") != "ok":
                raise PipelineError(f"exporting {run.html} from {run.notebook} ({run.name}) failed: "
                                    f"{reply.get('ename')}: {_strip_ansi(reply.get('evalue', ''))}. "
                                    f"Fix: run 'make report' again; if it fails again, open "
                                    f"{out} and check its outputs.")
            _trace(f"exported {run.html}")
        return time.perf_counter() - start

    def kill(self) -> None:
        """Kill the kernel process at once (safe from another thread): a running notebook then fails."""
        if self.process is not None:
            try:
                self.process.kill()
            except OSError:
                pass

    def stop(self) -> None:
        """Stop the kernel and remove its connection file and sockets."""
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.connection and self.process is not None:
                self.process.kill()  # its outputs are all received; nothing is left to flush
                self.process.wait(timeout=10)
            elif self.km is not None and self.km.has_kernel:
                from jupyter_core.utils import run_sync

                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - the kernel is gone either way
            pass
        finally:
            self.kc = self.km = self.process = None
            if self.sockets is not None:
                shutil.rmtree(self.sockets, ignore_errors=True)
                self.sockets = None


def _failed(run: Run, build: str, out: Path, exc: Any) -> PipelineError:
    """The error for a failed notebook; its executed notebook is kept beside the reports."""
    failed = Path(build).parent / ".reports-failed" / f"{run.name}.ipynb"
    failed.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        shutil.copy2(out, failed)
    return PipelineError(f"notebook {run.notebook} ({run.name}) failed in cell {exc.exec_count or exc.cell_index}: "
                         f"{exc.ename}: {_strip_ansi(exc.evalue)}. The executed notebook is kept at {failed}. "
                         f"Fix: correct the cause named above and run 'make report' again.")


_WARM: "dict[str, _Kernel]" = {}


def _warm_kernel(build: str) -> _Kernel:
    """This process's warm kernel for a build (execute_run without fresh_kernel); stopped at exit."""
    kernel = _WARM.get(build)
    if kernel is None:
        for old in _WARM.values():
            old.stop()
        _WARM.clear()
        kernel = _WARM[build] = _Kernel(build)
        if len(_WARM) == 1:
            atexit.register(lambda: [k.stop() for k in _WARM.values()])
        kernel.start()
    return kernel


def execute_run(run: Run, build: str, fresh_kernel: bool = False) -> tuple[str, float]:
    """Execute one notebook run into the build directory; returns (name, seconds).

    Without fresh_kernel the run goes to this process's warm kernel for the build (reused by later calls);
    with it, to a kernel started for this run alone and stopped after it.
    """
    if not fresh_kernel:
        return run.name, _warm_kernel(build).execute(run)
    kernel = _Kernel(build)
    try:
        kernel.start()
        return run.name, kernel.execute(run)
    finally:
        kernel.stop()


def execute_chain(runs: "list[Run]", build: str) -> list[tuple[str, float]]:
    """Execute dependent runs one after another on this process's warm kernel."""
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
               after_build: "Callable[[Path], None] | None" = None) -> list[Outcome]:
    """Rebuild the reports into a temporary directory and swap it in; unchanged runs are reused."""
    args = {"case_ids": list(case_ids), "framework": framework, "learned": bool(learned)}
    return _locked_build(lambda build, reports: _build(args, build, reports, force, jobs, progress),
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
           progress: bool) -> list[Outcome]:
    runs = plan(args["case_ids"], args["framework"], args["learned"])
    outcomes, pending = _reusable(runs, {} if force else _read_manifest(reports), reports)
    _link_reused(outcomes, build, reports)
    if pending:
        _execute(pending, build, jobs, progress, outcomes)
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


def _execute(pending: "list[Run]", build: Path, jobs: "int | None", progress: bool,
             outcomes: "dict[str, Outcome]") -> None:
    """Run pending runs on warm kernels: independent chains in parallel lanes, dependants when ready."""
    import queue
    import threading

    chains = _chains(pending)
    names = {r.name for r in pending}
    n_lanes = max(1, min(jobs or _cores(), len(chains)))
    homes = _homes(chains, names, n_lanes)
    events: "queue.Queue[tuple[str, int, Any]]" = queue.Queue()
    kernels: list[_Kernel] = []
    inboxes: "list[queue.Queue[list[Run] | None]]" = []
    for lane in range(n_lanes):
        notebooks: list[str] = []
        for i, chain in enumerate(chains):
            if homes[i] == lane:
                notebooks += [r.notebook for r in chain if r.notebook not in notebooks]
        export = any(r.html for i, c in enumerate(chains) if homes[i] == lane for r in c)
        kernels.append(_Kernel(str(build), warm_up_code(notebooks, export)))
        inboxes.append(queue.Queue())

    def lane_main(lane: int) -> None:
        kernel = kernels[lane]
        try:
            kernel.start()
            events.put(("idle", lane, None))
            while True:
                chain = inboxes[lane].get()
                if chain is None:
                    break
                for run in chain:
                    events.put(("done", lane, (run.name, kernel.execute(run))))
                events.put(("idle", lane, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            events.put(("error", lane, exc))
        finally:
            kernel.stop()

    threads = [threading.Thread(target=lane_main, args=(i,), name=f"workbook-lane-{i}", daemon=True)
               for i in range(n_lanes)]
    _trace(f"{len(pending)} pending run(s) in {len(chains)} chain(s) on {n_lanes} lane(s)")
    bar = None
    ok = False
    try:
        for kernel in kernels:  # first: the kernels boot while this process imports
            kernel.launch()
        # everything the lanes use is imported here, before they start: two threads importing the same
        # packages at once can see a partially initialised module
        import jupyter_client.asynchronous  # noqa: F401
        import jupyter_core.utils  # noqa: F401
        import papermill  # noqa: F401

        _register_engine()
        _trace("papermill imported")
        for thread in threads:
            thread.start()
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(pending), desc="regenerating", unit="notebook", leave=True)
        done: set[str] = set()
        waiting = list(range(len(chains)))
        idle: list[int] = []
        while waiting or len(idle) < n_lanes:
            try:
                kind, lane, payload = events.get(timeout=0.5)
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
            ready = [i for i in waiting if all(a in done or a not in names for a in chains[i][0].after)]
            for i in ready:
                if not idle:
                    break
                lane_for = homes[i] if homes[i] in idle else idle[0]  # prefer the lane that pre-imported for it
                idle.remove(lane_for)
                waiting.remove(i)
                inboxes[lane_for].put(chains[i])
            if waiting and not ready and len(idle) == n_lanes:
                raise PipelineError("the notebook runs have a dependency cycle. Fix: check runner.plan().")
        ok = True
    finally:
        import logging

        papermill_log = logging.getLogger("papermill")
        level = papermill_log.level
        if not ok:  # stop at once; the lanes' "kernel died" messages are expected, not news
            papermill_log.setLevel(logging.CRITICAL)
            for kernel in kernels:
                kernel.kill()
        for inbox in inboxes:
            inbox.put(None)
        for thread in threads:
            if thread.ident is not None:
                thread.join(timeout=None if ok else 15)
        papermill_log.setLevel(level)
        for kernel, thread in zip(kernels, threads):
            if not thread.is_alive():  # a lane stops its own kernel; this covers lanes never started
                kernel.stop()
        if bar is not None:
            bar.close()
