"""`workbook candidate`: a reviewer accepts or rejects a candidate finding from the command line."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbook.pipeline import stages


def test_the_candidate_command_records_a_decision_and_refuses_an_unknown_id(northvale: Path, reports_tmp: Path,
                                                                            capsys):
    from workbook.cli import main

    settings = stages.resolve()
    rejected_before = stages.run_extract("northvale", settings)
    gone = pd.read_csv(stages.rejected_path(reports_tmp, "northvale"), dtype=str, keep_default_na=False)
    fid = gone[gone["statement"] == "We interviewed 32 managers and front-line staff."]["finding_id"].iloc[0]
    assert main(["candidate", "--case", "northvale", "--id", fid, "--accept", "--reviewer", "Jo"]) == 0
    assert f"northvale: {fid} accepted by Jo" in capsys.readouterr().out
    assert fid in set(stages.run_extract("northvale", settings)["finding_id"]) - set(rejected_before["finding_id"])
    before = (northvale / "reviews" / "northvale" / "candidates.csv").read_bytes()
    assert main(["candidate", "--case", "northvale", "--id", "northvale_2019-ffffffff", "--reject",
                 "--reviewer", "Jo"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'northvale_2019-ffffffff' is not a sentence of a full-text source" in err
    assert "Fix: copy a finding_id from reports/findings/northvale.csv" in err
    assert (northvale / "reviews" / "northvale" / "candidates.csv").read_bytes() == before
