"""Running the `workbook` command as a user would, and reading its one error line."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def workbook(*args: str, evidence: "Path | None" = None, reports: "Path | None" = None,
             cwd: "Path | None" = None) -> subprocess.CompletedProcess:
    """Run `python -m workbook ARGS` as a user would, with WORKBOOK_EVIDENCE and WORKBOOK_REPORTS pointing at
    `evidence` and `reports` if given."""
    env = dict(os.environ)
    if evidence is not None:
        env["WORKBOOK_EVIDENCE"] = str(evidence)
    if reports is not None:
        env["WORKBOOK_REPORTS"] = str(reports)
    return subprocess.run([sys.executable, "-m", "workbook", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def one_error(result: subprocess.CompletedProcess, command: str) -> str:
    """The single error line of a failed run (asserting exit 2, no traceback, nothing else on stderr)."""
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"workbook {command}: error: ")
    return lines[0]
