"""Runs of the regeneration plan: one name each, kept under notebooks/, frozen, ordered after what they wait for."""
from __future__ import annotations

import dataclasses

import pytest

from workbook.pipeline.runner import plan


def test_every_planned_run_has_its_own_name_and_executed_notebook_and_cannot_be_changed():
    runs = plan(["torbay", "east_london"])
    assert len({r.name for r in runs}) == len(runs) == len({r.executed_path for r in runs})
    assert all(r.executed_path == f"notebooks/{r.name}.ipynb" for r in runs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        runs[0].name = "renamed"  # type: ignore[misc]


def test_every_run_waits_only_for_runs_of_the_plan_that_come_before_it():
    runs = plan(["torbay", "east_london"])
    place = {r.name: i for i, r in enumerate(runs)}
    assert all(place[before] < place[r.name] for r in runs for before in r.after)
    synthesis = runs[-1]
    assert {r.name for r in runs if r.name.startswith("02_code-")} <= set(synthesis.after)
