"""Figures: PNG and SVG written, one colour-blind-safe palette, labelled axes and titles, figures closed."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from _synthesis_data import coded as small_coded  # noqa: E402
from workbook import figures, statistics, synthesis  # noqa: E402

CASES = ["alpha", "beta"]


def test_matrix_heatmap_uses_sequential_palette_and_labels(framework, tmp_path):
    matrix = synthesis.framework_matrix(small_coded(), framework, CASES)
    labels = {d.id: d.label for d in framework.dimensions}
    fig = figures.matrix_heatmap(matrix, labels)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "dimension" and ax.get_ylabel() == "case" and ax.get_title()
    assert ax.collections[0].get_cmap().name == figures.SEQUENTIAL
    annotations = [t.get_text() for t in ax.texts]
    assert annotations == [str(v) for v in matrix.to_numpy().ravel()]
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert ticks == [labels[d] for d in framework.dimension_ids]
    paths = figures.save_figure(fig, tmp_path, "matrix")
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths["svg"].read_text(encoding="utf-8")[:500]
    assert not plt.fignum_exists(fig.number)


def test_polarity_chart_bars_use_the_barrier_facilitator_pair(framework, tmp_path):
    table = synthesis.barriers_facilitators(small_coded(), framework, CASES)
    fig = figures.polarity_chart(table, CASES, list(framework.dimension_ids))
    axes = [a for a in fig.axes if a.get_title() in CASES]
    assert [a.get_title() for a in axes] == CASES
    colours = {to_hex(p.get_facecolor()) for a in axes for p in a.patches}
    assert colours == {figures.POLARITY_COLOURS["barrier"].lower(), figures.POLARITY_COLOURS["facilitator"].lower()}
    alpha = axes[0]
    n = len(framework.dimension_ids)
    barriers = [p.get_width() for p in alpha.patches[:n]]
    facilitators = [p.get_width() for p in alpha.patches[n:]]
    teams = list(framework.dimension_ids).index("integrated_teams")
    assert barriers[teams] == -1 and facilitators[teams] == 0  # barriers drawn left of zero
    assert facilitators[list(framework.dimension_ids).index("outcomes")] == 1
    assert all(a.get_xlabel() for a in axes) and fig._suptitle.get_text()
    figures.save_figure(fig, tmp_path, "bars")
    assert (tmp_path / "bars.png").stat().st_size > 1000 and (tmp_path / "bars.svg").exists()


def test_cooccurrence_heatmap_lower_triangle_with_counts(framework, tmp_path):
    co = statistics.cooccurrence(small_coded(), framework)
    fig = figures.cooccurrence_heatmap(co)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() == "dimension" and ax.get_ylabel() == "dimension"
    assert ax.collections[0].get_cmap().name == figures.SEQUENTIAL
    k = len(framework.dimension_ids)
    assert len(ax.texts) == k * (k - 1) // 2  # one annotation per pair below the diagonal
    assert any("(n=2)" in t.get_text() for t in ax.get_yticklabels())  # integrated_teams: 2 findings
    figures.save_figure(fig, tmp_path, "co")
    assert not plt.get_fignums()


def test_wrap_keeps_short_labels():
    assert figures.wrap("Time") == "Time"
    assert figures.wrap("Integrated teams and other ways of working") == "Integrated teams\nand other ways of\nworking"
