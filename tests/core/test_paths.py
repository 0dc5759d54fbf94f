"""Paths that climb out of the directory they must stay in are refused."""
from pathlib import Path

import pytest

from workbook.core.errors import ParameterError
from workbook.core.paths import contained


def test_paths_that_climb_out_are_refused(tmp_path: Path):
    base = tmp_path / "reports"
    base.mkdir()
    assert contained("tables/x.csv", base) == base / "tables" / "x.csv"
    for hostile in ("../evidence", "/etc", str(tmp_path)):
        with pytest.raises(ParameterError, match="leads outside"):
            contained(hostile, base)
    (base / "link").symlink_to(tmp_path)
    with pytest.raises(ParameterError, match="leads outside"):
        contained("link/other", base)
