"""The reviewer's name, remembered on this machine between review sessions (outside the project)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from workbook.core.atomic import write_text


def settings_file() -> Path:
    """Where the reviewer's name is remembered: $WORKBOOK_CONFIG/review.json, else the user config directory."""
    env = os.environ.get("WORKBOOK_CONFIG")
    if env:
        return Path(env) / "review.json"
    from platformdirs import user_config_dir

    return Path(user_config_dir("integrated-care-workbook")) / "review.json"


def remembered_reviewer() -> str:
    """The reviewer name saved by the last session on this machine ('' when none or unreadable)."""
    try:
        data = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    name = data.get("reviewer") if isinstance(data, dict) else None
    return " ".join(name.split())[:200] if isinstance(name, str) else ""


def remember_reviewer(name: str) -> None:
    """Save the reviewer's name for the next session (outside the project and the notebook); never fails loudly."""
    try:
        write_text(settings_file(), json.dumps({"reviewer": " ".join(str(name).split())}) + "\n")
    except OSError:
        pass
