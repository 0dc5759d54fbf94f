"""environment.yml and pyproject.toml name the same packages with the same version ranges."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _split(requirement: str) -> tuple[str, str]:
    name = re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower(), requirement[len(name):].replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = [d for d in env["dependencies"] if isinstance(d, str)]
    return {n: v for n, v in map(_split, entries) if n not in ("python", "pip")}


def test_environment_yml_names_the_same_packages_as_pyproject():
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "missing in environment.yml"
    assert sorted(set(env) - set(py)) == [], "missing in pyproject.toml"


def test_environment_yml_pins_the_same_ranges():
    py, env = _pyproject(), _environment()
    assert {n: env[n] for n in py} == py


def test_environment_yml_installs_the_project_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert "-e ." in pip
    assert env["channels"] == ["conda-forge"]
