"""A notebook run in the regeneration plan (Run), and what became of it (Outcome)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Run:
    """One papermill execution: a notebook, its parameters, what it reads and what it writes."""

    name: str
    notebook: str
    parameters: dict[str, Any]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    after: tuple[str, ...] = ()

    @property
    def executed_path(self) -> str:
        """Where the executed notebook is kept, relative to reports/."""
        return f"notebooks/{self.name}.ipynb"


@dataclass
class Outcome:
    """What happened to one run in a regeneration."""

    name: str
    status: str
    seconds: float = 0.0
    key: str = ""
    outputs: list[str] = field(default_factory=list)
