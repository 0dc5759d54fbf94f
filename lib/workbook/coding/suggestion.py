"""What every coder returns for a finding (a Coding), and what every coder is (a Coder)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Coding:
    """The automatic code of one finding: dimensions (framework order), polarity, scores and why."""

    dimensions: tuple[str, ...]
    polarity: str
    scores: dict[str, float] = field(hash=False, compare=True)
    reasons: str = ""


class Coder(Protocol):
    """Anything that codes a batch of finding texts."""

    name: str

    def code(self, texts: Sequence[str], progress: bool = False) -> list[Coding]:
        """Code each text; the result is in input order."""
        ...
