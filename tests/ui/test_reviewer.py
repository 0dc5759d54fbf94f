"""The remembered reviewer name: where it is kept, what it keeps, and what an unreadable file gives."""
from __future__ import annotations

from pathlib import Path

import pytest

from workbook.ui.reviewer import remember_reviewer, remembered_reviewer, settings_file


def test_the_name_is_kept_in_the_config_directory_with_its_whitespace_collapsed(config: Path):
    assert settings_file() == config / "review.json"
    assert remembered_reviewer() == ""  # nothing saved yet
    remember_reviewer("  Ann \t Smith ")
    assert (config / "review.json").exists() and remembered_reviewer() == "Ann Smith"


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"reviewer": 42}', ""])
def test_an_unreadable_or_odd_settings_file_gives_no_name(config: Path, content: str):
    config.mkdir(parents=True)
    (config / "review.json").write_text(content, encoding="utf-8")
    assert remembered_reviewer() == ""


def test_a_long_remembered_name_is_cut_to_200_characters(config: Path):
    config.mkdir(parents=True)
    (config / "review.json").write_text('{"reviewer": "' + "x" * 500 + '"}', encoding="utf-8")
    assert remembered_reviewer() == "x" * 200


def test_a_folder_that_cannot_be_written_loses_the_name_quietly(config: Path):
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("a file where the folder should be", encoding="utf-8")
    remember_reviewer("AB")  # must not raise: remembering a name is a convenience
    assert remembered_reviewer() == ""
