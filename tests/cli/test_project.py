"""`workbook init` at the command line: one line on success, one-line errors, nothing made on failure."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbook.cli import main


def test_cli_init_reports_one_line(tmp_path: Path, capsys: pytest.CaptureFixture):
    assert main(["init", str(tmp_path / "review")]) == 0
    assert "new workbook project in" in capsys.readouterr().out
    assert main(["init", str(tmp_path / "review")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbook init: error: ") and "not empty" in err and "Traceback" not in err
    assert main(["init", str(tmp_path / "other"), "--framework", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err and not (tmp_path / "other").exists()
