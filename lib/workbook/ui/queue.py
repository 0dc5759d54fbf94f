"""A filtered queue of finding ids and a position in it, shared by the review and candidate sessions."""
from __future__ import annotations

from workbook.core.errors import ReviewError


class Queue:
    """A filtered queue of finding ids and a position in it, moved through one finding at a time."""

    queue: list[str]
    position: int
    missing_fix = "clear the filters first."
    """What to do when go_to names a finding the queue does not hold."""
    noun = "finding"

    @property
    def current_id(self) -> "str | None":
        """The finding shown now (None when the queue is empty)."""
        return self.queue[self.position] if self.queue and self.position < len(self.queue) else None

    def next(self) -> bool:
        """Move to the next finding in the queue; False at the end."""
        if self.position + 1 < len(self.queue):
            self.position += 1
            return True
        return False

    def previous(self) -> bool:
        """Move to the previous finding in the queue; False at the start."""
        if self.position > 0:
            self.position -= 1
            return True
        return False

    def go_to(self, finding_id: str) -> None:
        """Show a given finding (it must be in the queue)."""
        if finding_id not in self.queue:
            raise ReviewError(f"{self.noun} {finding_id!r} is not in the current queue; {self.missing_fix}")
        self.position = self.queue.index(finding_id)
