"""Parameters and paths: nothing a notebook parameter or a command-line option names may leave evidence/ or reports/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbook.evidence.cases import get_case
from workbook.cli import main
from workbook.core.errors import ParameterError
from workbook.core.paths import check_id, contained, notebooks_dir
from workbook.coding.reviews import reviews_path
from workbook.pipeline.stages import resolve

HOSTILE_IDS = ["../x", "torbay; rm -rf /", "$(id)", "`id`", "torbay\n", "", "Torbay", "/etc/passwd",
               "torbay/../torbay", "a" * 65, None, 5, ["torbay"]]


@pytest.fixture
def outside(tmp_path: Path, evidence_copy: Path) -> Path:
    """A valid framework file next to (not inside) the evidence copy."""
    target = tmp_path / "outside.yaml"
    shutil.copy(evidence_copy / "framework.yaml", target)
    return target


# ------------------------------------------------------------------ stages.resolve: notebook path parameters

@pytest.mark.parametrize("kwargs", [
    {"evidence": "../"}, {"evidence": "/etc"}, {"reports": "../../tmp"}, {"reports": "/"},
    {"framework": "../outside.yaml"}, {"framework": "/etc/passwd"}, {"framework": "sources/../../outside.yaml"},
])
def test_resolve_refuses_paths_that_climb_out(evidence_copy: Path, reports_tmp: Path, outside: Path, kwargs):
    with pytest.raises(ParameterError, match=r"leads outside .* Fix: give a path inside"):
        resolve(**kwargs)


def test_resolve_refuses_symlinks_pointing_out(evidence_copy: Path, reports_tmp: Path, outside: Path, tmp_path: Path):
    (evidence_copy / "elsewhere").symlink_to(tmp_path)
    (evidence_copy / "fw.yaml").symlink_to(outside)
    (reports_tmp / "out").symlink_to(tmp_path)
    with pytest.raises(ParameterError, match=r"evidence_dir 'elsewhere' leads outside"):
        resolve(evidence="elsewhere")
    with pytest.raises(ParameterError, match=r"framework 'fw.yaml' leads outside .* \(to .*outside.yaml\)"):
        resolve(framework="fw.yaml")
    with pytest.raises(ParameterError, match=r"reports_dir 'out/sub' leads outside"):
        resolve(reports="out/sub")


def test_resolve_accepts_paths_that_stay_inside(evidence_copy: Path, reports_tmp: Path):
    (evidence_copy / "same.yaml").symlink_to(evidence_copy / "framework.yaml")
    settings = resolve(evidence=str(evidence_copy), reports="sub", framework="same.yaml")
    assert settings.evidence == evidence_copy.resolve()
    assert settings.reports == reports_tmp.resolve() / "sub"
    assert settings.framework.dimension_ids[0] == "vision"


@pytest.mark.parametrize("value", ["a\x00b", 5, ["x"]])
def test_a_path_that_is_not_a_path_is_refused(tmp_path: Path, value):
    with pytest.raises(ParameterError, match="is not a path"):
        contained(value, tmp_path, "reports_dir")


# ------------------------------------------------------------------ case ids

def test_an_unknown_case_is_named_with_the_known_ones(evidence_copy: Path):
    with pytest.raises(ParameterError) as err:
        get_case("leeds", evidence_copy)
    assert str(err.value) == (f"unknown case_id 'leeds'. Fix: use one of: torbay, english_pilots, east_london "
                              f"(defined in {evidence_copy / 'cases.yaml'}).")


@pytest.mark.parametrize("case_id", HOSTILE_IDS)
def test_hostile_case_ids_are_refused_before_any_file_is_touched(case_id, tmp_path: Path):
    missing = tmp_path / "no-evidence-here"
    with pytest.raises(ParameterError, match=r"case_id .* is not a valid identifier. Fix: use lower-case letters"):
        get_case(case_id, missing)
    with pytest.raises(ParameterError, match="not a valid identifier"):
        reviews_path(case_id, missing)
    assert not missing.exists()


def test_good_ids_pass():
    assert check_id("east_london") == "east_london"
    assert check_id("a" * 64) == "a" * 64


# ------------------------------------------------------------------ the command line's --framework

@pytest.mark.parametrize("value", ["../outside.yaml", "{outside}", "link.yaml"])
def test_cli_framework_outside_evidence_is_refused(evidence_copy: Path, outside: Path, monkeypatch, capsys, value):
    (evidence_copy / "link.yaml").symlink_to(outside)
    monkeypatch.chdir(evidence_copy)
    assert main(["validate", "--framework", value.format(outside=outside)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbook validate: error: --framework ") and "leads outside" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_framework_that_does_not_exist_is_named(evidence_copy: Path, capsys):
    assert main(["validate", "--framework", "nope.yaml"]) == 2
    assert capsys.readouterr().err == (f"workbook validate: error: --framework 'nope.yaml': no such file. "
                                       f"Fix: give a YAML file inside {evidence_copy}.\n")


def test_cli_framework_inside_evidence_is_accepted(evidence_copy: Path, capsys):
    shutil.copy(evidence_copy / "framework.yaml", evidence_copy / "other.yaml")
    assert main(["validate", "--framework", "other.yaml"]) == 0
    assert capsys.readouterr().out.startswith("evidence OK: 3 cases")


# ------------------------------------------------------------------ a notebook run with hostile parameters

@pytest.mark.slow
@pytest.mark.parametrize("parameters, message", [
    ({"case_id": "../../etc"}, "case_id '../../etc' is not a valid identifier"),
    ({"reports_dir": "../../../tmp"}, "reports_dir '../../../tmp' leads outside"),
])
def test_papermill_with_a_hostile_parameter_fails_cleanly(tmp_path: Path, parameters, message):
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as err:
        pm.execute_notebook(str(notebooks_dir() / "01_extract.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters=parameters, kernel_name="python3", cwd=str(notebooks_dir()),
                            progress_bar=False)
    assert err.value.ename == "ParameterError"
    assert message in err.value.evalue
    assert not (tmp_path.parent / "etc").exists()
