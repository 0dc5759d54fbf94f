"""Queue: stepping through a filtered queue of ids, and going to an id it does not hold."""
from __future__ import annotations

import pytest

from workbook.core.errors import ReviewError
from workbook.ui.queue import Queue


class Ids(Queue):
    """A queue over fixed ids, as a session subclasses it."""

    noun = "sentence"
    missing_fix = "widen the filter."

    def __init__(self, ids: "list[str]") -> None:
        self.queue = ids
        self.position = 0


def test_next_and_previous_step_one_at_a_time_and_stop_at_the_ends():
    q = Ids(["a", "b", "c"])
    assert q.current_id == "a" and q.previous() is False and q.current_id == "a"
    assert [q.next(), q.next(), q.next()] == [True, True, False]
    assert q.current_id == "c" and q.previous() is True and q.current_id == "b"


def test_go_to_moves_to_an_id_in_the_queue_and_refuses_one_outside_it_saying_what_to_do():
    q = Ids(["a", "b", "c"])
    q.go_to("c")
    assert q.position == 2
    with pytest.raises(ReviewError, match=r"^sentence 'z' is not in the current queue; widen the filter\.$"):
        q.go_to("z")
    assert q.current_id == "c"  # unchanged


def test_an_empty_queue_shows_nothing_and_does_not_move():
    q = Ids([])
    assert q.current_id is None and q.next() is False and q.previous() is False
