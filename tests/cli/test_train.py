"""`workbook train`: refits the model coder from reviewer decisions plus an extra CSV, writes
evidence/models/coder.json (atomically), the model coder then uses it; bad extra CSVs are refused in one
located line with nothing written. Also: with coding.default_coder: model the coded table has a confidence."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbook.cli import main
from workbook.coding.model import load_model, model_coder, project_model_path
from workbook.coding.rules import rule_coder

PROBE = "The quirkle rota held staff back."


def write_extra(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A small coded CSV (text, dimensions, polarity)."""
    lines = ["text,dimensions,polarity"] + [f'"{t}",{d},{p}' for t, d, p in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tiny_rows() -> list[tuple[str, str, str]]:
    """Invented sentences: 'quirkle' always means a time barrier, 'plinth' nothing in particular."""
    rows = []
    for i in range(12):
        rows.append((f"The quirkle rota number {i} held staff back for months.", "time", "barrier"))
        rows.append((f"The plinth report number {i} was filed on a Tuesday.", "", "neutral"))
    return rows


def test_train_on_a_tiny_csv_changes_suggestions(evidence_copy, tmp_path, framework, capsys):
    before = model_coder(framework, rule_coder(framework), evidence_copy).code([PROBE])[0]
    extra = write_extra(tmp_path / "extra.csv", tiny_rows())
    assert main(["train", "--extra", str(extra)]) == 0
    out = capsys.readouterr().out
    assert "trained on" in out and "coder.json" in out
    path = project_model_path(evidence_copy)
    assert path.exists()
    after = model_coder(framework, rule_coder(framework), evidence_copy).code([PROBE])[0]
    assert (after.dimensions, after.polarity) != (before.dimensions, before.polarity)
    assert before.polarity == "neutral" and after.polarity == "barrier"
    assert after.scores["time"] > before.scores["time"] + 0.15, (before.scores, after.scores)
    assert 0 <= after.confidence <= 1
    assert load_model(path, framework, rule_coder(framework)).prior is not None  # the shipped model is kept as the prior
    assert "quirkle" not in path.read_text()  # weights, not words


@pytest.mark.parametrize("row,expected", [
    (("A sentence.", "teamwork", "neutral"), r"extra\.csv:3: unknown dimension id\(s\) teamwork"),
    (("A sentence.", "time", "good"), r"extra\.csv:3: polarity 'good'"),
])
def test_a_bad_extra_row_is_one_located_error_and_nothing_is_written(evidence_copy, tmp_path, capsys, row, expected):
    extra = write_extra(tmp_path / "extra.csv", [("Fine.", "time", "barrier"), row])
    assert main(["train", "--extra", str(extra)]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert re.search(expected, err), err
    assert not project_model_path(evidence_copy).exists()


def test_an_extra_csv_without_the_columns_is_refused(evidence_copy, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,code\nhello,time\n", encoding="utf-8")
    assert main(["train", "--extra", str(bad)]) != 0
    err = capsys.readouterr().err
    assert "bad.csv" in err and "lacks column(s) text, dimensions, polarity" in err
    assert not project_model_path(evidence_copy).exists()


def test_with_the_model_coder_the_coded_table_has_a_confidence(evidence_copy, reports_tmp):
    from workbook.pipeline.stages import code_findings, extract_case, resolve
    from workbook.evidence.cases import load_cases

    fw_file = evidence_copy / "framework.yaml"
    text = fw_file.read_text(encoding="utf-8")
    fw_file.write_text(re.sub(r"default_coder: \w+", "default_coder: model", text, count=1), encoding="utf-8")
    settings = resolve()
    assert settings.framework.coding["default_coder"] == "model"
    case = next(iter(load_cases(settings.evidence).values()))
    findings = extract_case(case, settings.framework, settings.evidence)
    coded, _ = code_findings(findings, settings, case.id)
    assert "confidence" in coded.columns
    assert coded["confidence"].between(0, 1).all()
    assert coded["auto_reasons"].str.contains("cues: ").all()


def test_a_missing_extra_csv_is_named(evidence_copy, tmp_path, capsys):
    assert main(["train", "--extra", str(tmp_path / "nowhere.csv")]) != 0
    err = capsys.readouterr().err
    assert "nowhere.csv" in err and "--extra CSV is not there" in err and len(err.strip().splitlines()) == 1
    assert not project_model_path(evidence_copy).exists()


def test_the_model_coders_confidence_orders_the_review_queue_least_certain_first(evidence_copy, reports_tmp):
    from workbook.evidence.cases import load_cases
    from workbook.pipeline.stages import code_findings, extract_case, resolve
    from workbook.ui.review_session import LEAST_CERTAIN, ReviewSession

    settings = resolve()
    assert settings.framework.coding["default_coder"] == "model"  # the shipped default
    case = next(iter(load_cases(settings.evidence).values()))
    coded, _ = code_findings(extract_case(case, settings.framework, settings.evidence), settings, case.id)
    session = ReviewSession(case.id, coded, settings.framework, evidence=settings.evidence)
    queue = session.set_filters(order=LEAST_CERTAIN)
    conf = dict(zip(coded["finding_id"], coded["confidence"].astype(float)))
    assert sorted(queue) == sorted(coded["finding_id"])
    values = [conf[f] for f in queue]
    assert values == sorted(values) and values[0] < values[-1]


def test_an_extra_csvs_sections_are_learned(evidence_copy, tmp_path, framework):
    rows = [f'"The plinth rota number {i} was noted.",time,barrier,Results' for i in range(12)]
    rows += [f'"The plinth rota number {i} was noted.",,neutral,Methods' for i in range(12, 24)]
    extra = tmp_path / "extra.csv"
    extra.write_text("text,dimensions,polarity,section\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["train", "--extra", str(extra)]) == 0
    coder = model_coder(framework, rule_coder(framework), evidence_copy)
    probe = "The plinth rota number 99 was noted."
    results, methods = coder.code([probe, probe], sections=["Results", "Methods"])
    assert results.scores["time"] > methods.scores["time"] + 0.1, (results.scores, methods.scores)
