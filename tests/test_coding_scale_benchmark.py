"""benchmarks/coding_scale.py runs with whichever coder the framework makes the default, and with each coder
by name (it once assumed the default coder was the rule coder and crashed when the model coder became it)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from benchmark_helpers import BENCHMARKS


@pytest.mark.parametrize("coder", ["default", "rules", "model"])
def test_coding_scale_measures_each_coder_on_a_small_size(coder):
    done = subprocess.run([sys.executable, str(BENCHMARKS / "coding_scale.py"), "--sizes", "300",
                           "--no-progress", "--coder", coder], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "300 findings: coded in" in done.stdout, done.stdout
    assert f"({coder};" in done.stdout
    assert "x the floor" in done.stdout and "peak memory" in done.stdout
