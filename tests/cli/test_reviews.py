"""`workbook sample`: the double-coding sample of a case, written once and refused when it would change."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbook.coding.reviews import load_sample


def test_workbook_sample_writes_the_case_sample_and_refuses_bad_shares(evidence_copy: Path, capsys):
    from workbook.cli import main

    assert main(["sample", "--case", "torbay", "--share", "0.2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    ids, problems = load_sample("torbay", evidence_copy)
    assert problems == [] and out.startswith(f"torbay: {len(ids)} of ") and "seed 3" in out
    again = (evidence_copy / "reviews" / "torbay" / "sample.csv").read_bytes()
    assert main(["sample", "--case", "torbay", "--share", "0.2", "--seed", "3"]) == 0  # same draw, same file
    assert (evidence_copy / "reviews" / "torbay" / "sample.csv").read_bytes() == again
    assert main(["sample", "--case", "torbay", "--share", "0.5"]) == 2
    assert "already holds a different sample" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sample", "--case", "torbay", "--share", "20"])
    assert "not above 0 and at most 1" in capsys.readouterr().err
