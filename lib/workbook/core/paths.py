"""Where things live, and refusal of any path that climbs out of the directory it must stay in."""
from __future__ import annotations

import os
import re
from pathlib import Path

from workbook.core.errors import ParameterError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = PACKAGE_DIR.parents[1]
"""The checkout the package lives in (lib/workbook/ -> its root): the project of last resort."""

PROJECT_MARKER = Path("evidence") / "cases.yaml"
"""A directory holding this file is a workbook project root."""

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def find_project(start: "str | Path") -> "Path | None":
    """The nearest directory at or above `start` that holds evidence/cases.yaml, or None."""
    try:
        here = Path(start).resolve()
    except (OSError, RuntimeError):
        return None
    for candidate in (here, *here.parents):
        try:
            if (candidate / PROJECT_MARKER).is_file():
                return candidate
        except OSError:  # an unreadable directory on the way up: keep climbing
            continue
    return None


def project_root() -> Path:
    """The project the workbook acts on: $WORKBOOK_ROOT when set, else the nearest project at or above
    the working directory, else the checkout this package lives in."""
    env = os.environ.get("WORKBOOK_ROOT")
    if env:
        return Path(env).resolve()
    try:
        cwd = Path.cwd()
    except OSError:  # the working directory was deleted
        return PROJECT_ROOT
    return find_project(cwd) or PROJECT_ROOT


def evidence_dir() -> Path:
    """The evidence directory: $WORKBOOK_EVIDENCE when set, else <root>/evidence."""
    env = os.environ.get("WORKBOOK_EVIDENCE")
    return Path(env).resolve() if env else project_root() / "evidence"


def reports_dir() -> Path:
    """The reports directory: $WORKBOOK_REPORTS when set, else <root>/reports."""
    env = os.environ.get("WORKBOOK_REPORTS")
    return Path(env).resolve() if env else project_root() / "reports"


def notebooks_dir() -> Path:
    """The pipeline's notebooks: <root>/notebooks when the project has that folder, else the package checkout's."""
    own = project_root() / "notebooks"
    if own.is_dir() or not (PROJECT_ROOT / "notebooks").is_dir():
        return own
    return PROJECT_ROOT / "notebooks"


def check_id(value: object, what: str = "id") -> str:
    """Return `value` if it is a safe identifier (lower-case, digits, underscores), else raise."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ParameterError(
            f"{what} {value!r} is not a valid identifier. Fix: use lower-case letters, digits and "
            f"underscores, starting with a letter (for example 'torbay').")
    return value


def contained(path: "str | Path", base: "str | Path", what: str = "path") -> Path:
    """Resolve `path` (relative to `base` unless absolute) and refuse it unless it stays inside `base`.

    Symbolic links are resolved first, so a link that points outside `base` is refused too.
    """
    if not isinstance(path, (str, os.PathLike)) or "\x00" in str(path):
        raise ParameterError(f"{what} {path!r} is not a path. Fix: give a path (text) inside {Path(base).resolve()}.")
    base_resolved = Path(base).resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = base_resolved / candidate
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError) as exc:
        raise ParameterError(f"{what} {str(path)!r} cannot be resolved ({exc}). "
                             f"Fix: give a plain path inside {base_resolved}.") from None
    if resolved != base_resolved and base_resolved not in resolved.parents:
        raise ParameterError(
            f"{what} {str(path)!r} leads outside {base_resolved} (to {resolved}). "
            f"Fix: give a path inside {base_resolved}, without '..', absolute paths elsewhere or links out.")
    return resolved
