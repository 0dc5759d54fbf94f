"""Pipeline kernels: warm kernels on IPC sockets that run notebooks one after another (papermill), and
the error that names a failed notebook, its cell and the error.

A kernel is launched from a connection file in a private 0700 directory (IPC transport on POSIX), so it
boots while the caller is still importing; it is then driven from one thread, pre-imports the modules of
the notebooks it is expected to run, resets its namespace between notebooks.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbook.core.errors import PipelineError
from workbook.core.paths import evidence_dir, notebooks_dir, project_root

if TYPE_CHECKING:
    from workbook.pipeline.runs import Run

KERNEL_NAME = "python3"
_T0 = time.perf_counter()
ENGINE = "workbook-warm"
"""The papermill engine (registered by this module) that executes on an already running kernel and client."""


def trace(message: str) -> None:
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


def kernel_env(build: str) -> dict[str, str]:
    """The environment of a pipeline kernel: the build directory is where the notebooks write."""
    env = dict(os.environ)
    env["WORKBOOK_REPORTS"] = build
    env["WORKBOOK_ROOT"] = str(project_root())  # the project found from the caller's directory, not the kernel's
    if env.get("WORKBOOK_EVIDENCE"):  # a relative path means relative to the caller's directory
        env["WORKBOOK_EVIDENCE"] = str(evidence_dir())
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def warm_up_code(notebooks: "list[str]") -> str:
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


def register_engine() -> None:
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


class Kernel:
    """One warm kernel for one build: launched early, then driven from a single thread, which connects,
    pre-imports, runs notebooks one after another (namespace reset between them), and stops it at the
    end."""

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
            run_sync(self.km.start_kernel)(cwd=str(notebooks_dir()), env=kernel_env(self.build),
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
        env = kernel_env(self.build)
        env.update(spec_env)
        env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits if this process dies
        self.process = subprocess.Popen(argv, cwd=str(notebooks_dir()), env=env, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        self.km = _RunningKernel(self.process)
        trace(f"kernel launched ({self.sockets})")

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
        trace("kernel ready")
        if self.warm:
            run_sync(self._call)(self.warm)
            trace("kernel warm")

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
        """Execute one run into the build; returns seconds."""
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        register_engine()
        start = time.perf_counter()
        trace(f"run {run.name}")
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
        trace(f"executed {run.name}")
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


_WARM: "dict[str, Kernel]" = {}


def _warm_kernel(build: str) -> Kernel:
    """This process's warm kernel for a build (execute_run without fresh_kernel); stopped at exit."""
    kernel = _WARM.get(build)
    if kernel is None:
        for old in _WARM.values():
            old.stop()
        _WARM.clear()
        kernel = _WARM[build] = Kernel(build)
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
    kernel = Kernel(build)
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
