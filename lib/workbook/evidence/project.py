"""A new, empty workbook project: the evidence skeleton, the framework, the pipeline's notebooks, a README
and a Makefile, made in one step (all or nothing) by `workbook init`."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from workbook.core.errors import ParameterError
from workbook.core.paths import PACKAGE_DIR, PROJECT_ROOT

TEMPLATES = PACKAGE_DIR / "templates"
SHIPPED_EVIDENCE = PROJECT_ROOT / "evidence"
"""The evidence of the checkout the package lives in: the framework and extraction settings a new project starts from."""
SHIPPED_NOTEBOOKS = PROJECT_ROOT / "notebooks"
PIPELINE_NOTEBOOKS: tuple[str, ...] = ("01_extract", "02_code", "03_synthesis", "review")
"""The notebooks a project runs (extract, code, synthesis) and reviews with; each is copied as .py and .ipynb."""

TEMPLATE_FILES: dict[str, str] = {
    "README.md": "project_readme.md",
    "Makefile": "project_makefile",
    ".gitignore": "project_gitignore",
    "reports/README.md": "project_reports_readme.md",
    "evidence/README.md": "project_evidence_readme.md",
    "evidence/cases.yaml": "project_cases.yaml",
    "evidence/sources/README.md": "project_sources_readme.md",
    "evidence/reviews/README.md": "project_reviews_readme.md",
    "evidence/checklist/README.md": "project_checklist_readme.md",
    "evidence/synthesis/README.md": "project_synthesis_readme.md",
}
"""Project file -> template file in workbook/templates/."""

OUTCOMES_HEADER = ("case,measure,baseline,baseline_period,follow_up,follow_up_period,reported_change,unit,source,"
                   "locator,note\n")


def check_target(target: "str | Path") -> Path:
    """The absolute path of a folder a project may be made in (absent or empty), else a ParameterError."""
    if not isinstance(target, (str, os.PathLike)) or not str(target).strip() or "\x00" in str(target):
        raise ParameterError(f"DIR {target!r} is not a folder name. Fix: give the folder to create, e.g. "
                             f"'workbook init my-review'.")
    path = Path(os.path.abspath(Path(target).expanduser()))
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise ParameterError(f"{path} exists and is not a folder. Fix: give a new folder name.")
    if path.is_dir():
        try:
            entries = sorted(p.name for p in path.iterdir())
        except OSError as exc:
            raise ParameterError(f"{path} cannot be read ({exc.strerror}). Fix: give a new folder name.") from None
        if entries:
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise ParameterError(f"{path} is not empty (it holds {shown}); a new project is only made in a new "
                                 f"or empty folder, so nothing there is overwritten. Fix: give a new folder name.")
    if not path.parent.is_dir():
        raise ParameterError(f"the folder {path.parent} does not exist. Fix: create it first, or give a path "
                             f"inside an existing folder.")
    return path


def framework_source(framework: "str | Path | None" = None) -> Path:
    """The framework file a new project starts from: `framework` when given (checked), else the shipped one."""
    from workbook.evidence.framework import load_framework

    path = Path(framework).expanduser() if framework else SHIPPED_EVIDENCE / "framework.yaml"
    if not path.is_file():
        if framework:
            raise ParameterError(f"--framework {str(framework)!r}: no such file. Fix: give the path of a framework "
                                 f"YAML file.")
        raise ParameterError(f"the shipped framework ({path}) is not there. Fix: pass --framework FILE.")
    load_framework(path)  # a broken framework is refused here, with its line, before anything is made
    return path


def workbook_bin() -> str:
    """The folder holding the `workbook` command of the running environment ('' when there is none)."""
    folder = Path(sys.executable).parent
    return str(folder) if (folder / "workbook").exists() else ""


def _render(template: str, name: str, bin_dir: str) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    return text.replace("@@NAME@@", name).replace("@@BIN@@", bin_dir)


def _copy_notebooks(target: Path) -> None:
    """Copy the pipeline's notebooks (.py and .ipynb) into target/notebooks, without outputs."""
    import jupytext

    folder = target / "notebooks"
    folder.mkdir()
    for name in PIPELINE_NOTEBOOKS:
        text = SHIPPED_NOTEBOOKS / f"{name}.py"
        ipynb = SHIPPED_NOTEBOOKS / f"{name}.ipynb"
        if not text.is_file() and not ipynb.is_file():
            raise ParameterError(f"the workbook's notebook {name} is not in {SHIPPED_NOTEBOOKS}. Fix: run "
                                 f"`workbook init` from an environment installed from a workbook checkout.")
        notebook = jupytext.read(ipynb if ipynb.is_file() else text)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        jupytext.write(notebook, folder / f"{name}.ipynb")
        if text.is_file():
            shutil.copyfile(text, folder / f"{name}.py")
        else:
            jupytext.write(notebook, folder / f"{name}.py", fmt="py:percent")


def init_project(target: "str | Path", framework: "str | Path | None" = None) -> Path:
    """Make a new, empty workbook project in `target` (a new or empty folder); nothing is left on failure."""
    path = check_target(target)
    fw = framework_source(framework)
    bin_dir = workbook_bin()
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.init-", dir=path.parent))
    try:
        for rel, template in TEMPLATE_FILES.items():
            out = staging / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_render(template, path.name, bin_dir), encoding="utf-8")
        shutil.copyfile(fw, staging / "evidence" / "framework.yaml")
        for optional in ("extraction.yaml",):
            if (SHIPPED_EVIDENCE / optional).is_file():
                shutil.copyfile(SHIPPED_EVIDENCE / optional, staging / "evidence" / optional)
        if (SHIPPED_EVIDENCE / "README.md").is_file():
            shutil.copyfile(SHIPPED_EVIDENCE / "README.md", staging / "evidence" / "FORMATS.md")
        (staging / "evidence" / "outcomes.csv").write_text(OUTCOMES_HEADER, encoding="utf-8")
        _copy_notebooks(staging)
        if path.exists():  # an empty folder, perhaps the current one: fill it, keeping the folder itself
            _move_into(staging, path)
            staging.rmdir()
        else:
            os.chmod(staging, 0o777 & ~_umask())
            os.rename(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def _move_into(staging: Path, path: Path) -> None:
    """Move everything in `staging` into the existing folder `path`; on any failure take it all out again."""
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir()):
            dest = path / entry.name
            if dest.exists() or dest.is_symlink():
                raise ParameterError(f"{path} is no longer empty ({entry.name} appeared while the project was being "
                                     f"made). Fix: give a new folder name.")
            os.rename(entry, dest)
            moved.append(dest)
    except BaseException:
        for dest in moved:
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest, ignore_errors=True)
            else:
                dest.unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
