"""Nothing lost: atomic writes, a regeneration killed mid-run, two regenerations at once, and reviews never written."""
from __future__ import annotations

import hashlib
import html.parser
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from filelock import FileLock

from workbook.core.atomic import atomic_open, write_bytes, write_text
from workbook.core.errors import LockedError
from workbook.core.tables import read_csv, write_csv

ROOT = Path(__file__).resolve().parents[1]


def checksums(folder: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime (ns) of every file under `folder`, by relative path."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def contents(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (mtimes aside: reused outputs are hard links)."""
    return {name: digest for name, (digest, _) in checksums(folder).items()}


# ------------------------------------------------------------------ atomic writes

def test_a_write_interrupted_by_an_exception_leaves_the_old_file_and_no_temp_file(tmp_path: Path):
    path = tmp_path / "decisions.csv"
    write_text(path, "old,content\n")
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError):
        with atomic_open(path) as handle:
            handle.write("half of the new")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old,content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["decisions.csv"]
    write_text(path, "new\n")
    assert path.read_text() == "new\n" and path.stat().st_mode & 0o777 == 0o640  # permissions kept


def test_a_failed_first_write_creates_nothing(tmp_path: Path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(tmp_path / "new.bin", "wb") as handle:
            handle.write(b"partial")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    write_bytes(tmp_path / "new.bin", b"\x00\x01")
    assert (tmp_path / "new.bin").read_bytes() == b"\x00\x01"


def test_a_table_that_fails_to_serialise_leaves_the_old_table(tmp_path: Path, monkeypatch):
    import pandas as pd

    path = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"a": ["1"]}), path)
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: (_ for _ in ()).throw(MemoryError("boom")))
    with pytest.raises(MemoryError):
        write_csv(pd.DataFrame({"a": ["2"]}), path)
    assert read_csv(path)["a"].tolist() == ["1"]


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc (a folder no one can write to)")
def test_a_write_that_cannot_start_names_the_file_asked_for_not_a_temporary_one():
    with pytest.raises(OSError) as err:
        write_text("/proc/wbk-report.csv", "x")
    assert err.value.filename == "/proc/wbk-report.csv"


def test_a_writer_killed_mid_write_leaves_the_old_file_whole(tmp_path: Path):
    path = tmp_path / "torbay.csv"
    path.write_text("old\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import os, signal
        from workbook.core.atomic import atomic_open
        with atomic_open({str(path)!r}) as handle:
            handle.write("half of the new" * 1000)
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert path.read_text(encoding="utf-8") == "old\n"


# ------------------------------------------------------------------ regenerations

@dataclass
class Built:
    """A regenerated reports directory, its evidence, and the evidence's checksums before and after."""

    evidence: Path
    reports: Path
    env: dict[str, str]
    before: dict[str, tuple[str, int]]
    after: dict[str, tuple[str, int]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """One full regeneration from a copy of the evidence, into a private reports directory."""
    from workbook.evidence.cases import load_cases
    from workbook.pipeline.runner import regenerate

    root = tmp_path_factory.mktemp("lost")
    evidence, reports = root / "evidence", root / "reports"
    shutil.copytree(ROOT / "evidence", evidence)
    before = checksums(evidence)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBOOK_EVIDENCE", str(evidence))
        mp.setenv("WORKBOOK_REPORTS", str(reports))
        regenerate(list(load_cases()), progress=False)
        env = dict(os.environ)
        yield Built(evidence, reports, env, before, checksums(evidence))


def report_cmd(*extra: str) -> list[str]:
    """The command a user runs to regenerate the reports."""
    return [sys.executable, "-m", "workbook", "report", "--no-progress", *extra]


def assert_whole(reports: Path) -> None:
    """The reports a reader needs exist and parse."""
    html.parser.HTMLParser().feed((reports / "synthesis.html").read_text(encoding="utf-8"))
    assert "<html" in (reports / "synthesis.html").read_text(encoding="utf-8")
    matrix = read_csv(reports / "tables" / "framework_matrix.csv")
    assert list(matrix["case"]) == ["torbay", "english_pilots", "east_london"]


@pytest.mark.slow
def test_a_regeneration_never_writes_to_the_evidence(built: Built):
    reviews = {name: value for name, value in built.before.items() if name.startswith("reviews/")}
    assert len(reviews) >= 3
    assert built.after == built.before  # every file of evidence/, reviews included: same bytes, same mtime
    assert_whole(built.reports)


def _descendants(pid: int) -> list[int]:
    """The pids of a process's descendants (kernels start their own sessions, so killpg misses them)."""
    psutil = pytest.importorskip("psutil")
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _kernel_files(pids: list[int]) -> list[Path]:
    """The connection files and IPC socket folders of the kernels among `pids` (a SIGKILL leaves them behind)."""
    import json

    import psutil

    found: list[Path] = []
    for pid in pids:
        try:
            argv = psutil.Process(pid).cmdline()
        except psutil.Error:
            continue
        if "ipykernel_launcher" in argv and "-f" in argv:
            connection = Path(argv[argv.index("-f") + 1])
            found.append(connection)
            try:
                info = json.loads(connection.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if info.get("transport") == "ipc" and Path(info["ip"]).parent.name.startswith("wbk-"):
                found.append(Path(info["ip"]).parent)
    return found


def _reap(pids: list[int], seconds: float = 20) -> list[int]:
    """Wait for processes we started to end; kill (by pid) any still running; return those that had to be killed."""
    import psutil

    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=seconds)
    for proc in alive:
        proc.kill()
    return [p.pid for p in alive]


@pytest.mark.slow
def test_a_regeneration_killed_mid_run_leaves_the_reports_whole_and_refuses_a_second(built: Built):
    before = contents(built.reports)
    first = subprocess.Popen(report_cmd("--force"), env=built.env, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not list(built.reports.parent.glob(".reports-build-*/notebooks/*")):
            assert first.poll() is None, first.communicate()
            time.sleep(0.1)
        time.sleep(1.5)  # notebooks are running now
        # two at once: a second regeneration started now is refused with a clear message
        second = subprocess.run(report_cmd(), env=built.env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        assert second.stderr.startswith("workbook report: error: another regeneration is running (lock ")
        assert "Fix: wait for it to finish and run again, or pass --wait SECONDS" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the first regeneration should still be running when it is killed"
        children = _descendants(first.pid)
        leftovers = _kernel_files(children)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert _reap(children) == [], "kernels of the killed run should end once their parent is gone"
    for path in leftovers:  # what the killed run could not clean up
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    assert contents(built.reports) == before
    assert_whole(built.reports)
    assert list(built.reports.parent.glob(".reports-build-*")), "the killed run's build directory is left over"

    again = subprocess.run(report_cmd(), env=built.env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert_whole(built.reports)
    assert list(built.reports.parent.glob(".reports-build-*")) == [], "the next run cleans up after the killed one"
    assert checksums(built.evidence) == built.before


@pytest.mark.slow
def test_a_second_regeneration_waits_for_the_lock_with_wait(built: Built):
    lock = FileLock(str(built.reports.parent / f".{built.reports.name}.lock"))
    with lock:
        waiting = subprocess.Popen(report_cmd("--wait", "120"), env=built.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert waiting.poll() is None, waiting.communicate()
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert out.startswith(f"reports written to {built.reports}")
    assert_whole(built.reports)


def test_regenerate_refuses_while_another_holds_the_lock(tmp_path: Path, monkeypatch):
    from workbook.pipeline.runner import regenerate

    reports = tmp_path / "reports"
    monkeypatch.setenv("WORKBOOK_REPORTS", str(reports))
    with FileLock(str(tmp_path / ".reports.lock")):
        with pytest.raises(LockedError, match="another regeneration is running"):
            regenerate(["torbay"], progress=False)
    assert not reports.exists()
