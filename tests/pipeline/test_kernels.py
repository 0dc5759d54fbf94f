"""Pipeline kernels: warm-up code, warm and fresh kernels, IPC sockets in a private directory."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from notebook_helpers import pids
from workbook.pipeline import kernels
from workbook.pipeline.runner import Run


def test_warm_up_code_imports_what_the_notebooks_import_inside_a_function():
    code = kernels.warm_up_code(["01_extract.ipynb", "03_synthesis.ipynb"])
    assert "import workbook.pipeline.stages as stages" in code and "from workbook.report.writer import write_report" in code
    assert "nbconvert" not in code
    assert code.count("import workbook.pipeline.stages as stages") == 1
    assert code.startswith("def __wbk_warm():") and code.endswith("del __wbk_warm\n")
    compile(code, "warm-up", "exec")
    assert kernels.warm_up_code(["no_such.ipynb"]) == ""


@pytest.mark.slow
def test_execute_run_uses_a_fresh_kernel_or_the_processs_warm_one(tiny_project: Path):
    build = tiny_project / "build"
    build.mkdir()
    try:
        assert kernels.execute_run(Run("a-1", "a.ipynb", {"n": 1}, (), ()), str(build), fresh_kernel=True)[0] == "a-1"
        done = kernels.execute_chain([Run("a-2", "a.ipynb", {"n": 2}, (), ()),
                                     Run("b-2", "b.ipynb", {"n": 2}, (), (), ("a-2",))], str(build))
        assert [name for name, _ in done] == ["a-2", "b-2"]
        assert pids(build, "a-2") == pids(build, "b-2") != pids(build, "a-1")
    finally:
        for kernel in kernels._WARM.values():
            kernel.stop()
        kernels._WARM.clear()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="IPC transport is POSIX only")
def test_lane_kernels_talk_over_ipc_sockets_in_a_private_directory_removed_afterwards(tiny_project: Path):
    kernel = kernels.Kernel(str(tiny_project / "build"))
    kernel.start()
    try:
        sockets = kernel.sockets
        assert kernel.connection["transport"] == "ipc"
        assert sockets is not None and sockets.name.startswith("wbk-") and oct(sockets.stat().st_mode)[-3:] == "700"
        assert all((sockets / f"k-{port}").exists() for port in (1, 2, 4))  # shell, iopub, control
        assert oct((sockets / "kernel.json").stat().st_mode)[-3:] == "600"
    finally:
        kernel.stop()
    assert not sockets.exists()
