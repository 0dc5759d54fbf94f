"""Figures: PNG and SVG written, one colour-blind-safe palette, labelled axes and titles, figures closed."""
from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from _synthesis_data import coded as small_coded  # noqa: E402
from workbook.synthesis import figures
from workbook.synthesis import statistics
from workbook.synthesis import matrix as synthesis  # noqa: E402

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


# --- heatmaps drawn without seaborn; saving lays a figure out once --------------------------------------------

def _cells(ax) -> dict[tuple[int, int], str]:
    """The annotation of each cell, by (row, column), read back from the Axes texts at the cell centres."""
    cells = {}
    for t in ax.texts:
        x, y = t.get_position()
        assert x % 1 == 0.5 and y % 1 == 0.5, f"annotation {t.get_text()!r} is not centred on a cell"
        cells[int(y), int(x)] = t.get_text()
    return cells


def _luminance(colour) -> float:
    rgb = np.array(to_rgb(colour))
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def test_matrix_heatmap_writes_each_count_in_its_cell_readably(framework):
    matrix = synthesis.framework_matrix(small_coded(), framework, CASES)
    fig = figures.matrix_heatmap(matrix)
    ax = fig.axes[0]
    counts = matrix.to_numpy()
    assert _cells(ax) == {(r, c): str(counts[r, c]) for r in range(counts.shape[0]) for c in range(counts.shape[1])}
    mesh = ax.collections[0]
    assert mesh.norm.vmin == counts.min() and mesh.norm.vmax == counts.max()
    for t in ax.texts:  # light text on dark cells, dark text on light cells
        x, y = t.get_position()
        cell = _luminance(mesh.cmap(mesh.norm(counts[int(y), int(x)])))
        text = _luminance(t.get_color())
        assert (text > 0.9) if cell <= 0.408 else (text < 0.1), (t.get_text(), t.get_color())
    darkest = [t for t in ax.texts if t.get_text() == str(counts.min())]
    brightest = [t for t in ax.texts if t.get_text() == str(counts.max())]
    assert {to_hex(t.get_color()) for t in darkest} == {"#ffffff"}
    assert {to_hex(t.get_color()) for t in brightest} == {to_hex("0.15")}
    plt.close(fig)


def test_heatmap_axes_ticks_and_colour_bar_are_labelled(framework):
    matrix = synthesis.framework_matrix(small_coded(), framework, CASES)
    fig = figures.matrix_heatmap(matrix, title="A title")
    ax, bar = fig.axes
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("dimension", "case", "A title")
    assert bar.get_ylabel() == "coded findings"  # the colour bar's label
    assert list(ax.get_xticks()) == [i + 0.5 for i in range(matrix.shape[1])]  # centred on the cells
    assert list(ax.get_yticks()) == [i + 0.5 for i in range(matrix.shape[0])]
    assert [t.get_text() for t in ax.get_yticklabels()] == CASES  # first row at the top
    assert ax.get_ylim() == (matrix.shape[0], 0)
    labels = ax.get_xticklabels() + ax.get_yticklabels()
    assert labels and all(t.get_rotation() == 0 for t in labels)  # upright
    assert max(len(line) for t in ax.get_xticklabels() for line in t.get_text().split("\n")) <= figures.WRAP
    plt.close(fig)


def test_cooccurrence_heatmap_blanks_the_upper_triangle(framework):
    co = statistics.cooccurrence(small_coded(), framework)
    fig = figures.cooccurrence_heatmap(co)
    ax, bar = fig.axes
    shown = co.to_numpy()[1:, :-1]  # rows from the 2nd dimension, columns up to the last but one
    k = shown.shape[0]
    assert _cells(ax) == {(r, c): str(shown[r, c]) for r in range(k) for c in range(r + 1)}  # none above
    mask = np.ma.getmaskarray(ax.collections[0].get_array()).reshape(shown.shape)
    assert (mask == np.triu(np.ones((k, k), bool), k=1)).all()  # masked cells are not coloured
    assert bar.get_ylabel() == "findings coded with both"
    plt.close(fig)


def test_importing_figures_does_not_import_seaborn():
    code = "import sys, workbook.synthesis.figures; print('seaborn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def _all_three(framework) -> dict[str, Figure]:
    coded = small_coded()
    return {"matrix": figures.matrix_heatmap(synthesis.framework_matrix(coded, framework, CASES)),
            "bars": figures.polarity_chart(synthesis.barriers_facilitators(coded, framework, CASES), CASES,
                                           list(framework.dimension_ids)),
            "co": figures.cooccurrence_heatmap(statistics.cooccurrence(coded, framework))}


def test_building_a_figure_draws_nothing_and_saving_draws_once_per_file(framework, tmp_path, monkeypatch):
    draws: list[Figure] = []
    original = Figure.draw

    def counting_draw(self, renderer):
        draws.append(self)
        return original(self, renderer)

    monkeypatch.setattr(Figure, "draw", counting_draw)
    built = _all_three(framework)
    assert draws == []  # no draw to build a figure (seaborn's heatmap drew the whole figure once)
    for name, fig in built.items():
        figures.save_figure(fig, tmp_path, name)
        assert draws.count(fig) == 2, f"{name}: {draws.count(fig)} draws for two files"


def test_saved_png_has_the_figure_size_and_nothing_cut_off(framework, tmp_path):
    for name, fig in _all_three(framework).items():
        expected = fig.get_size_inches() * figures.DPI
        paths = figures.save_figure(fig, tmp_path, name)
        assert set(paths) == {"png", "svg"} and all(p.stat().st_size > 1000 for p in paths.values())
        with Image.open(paths["png"]) as image:
            assert image.format == "PNG"
            width, height = image.size
            pixels = np.asarray(image.convert("RGB"))
        # cropped to the content, which fills most of the figure
        assert 0.7 * expected[0] <= width <= 1.05 * expected[0], (name, image.size, expected)
        assert 0.7 * expected[1] <= height <= 1.05 * expected[1], (name, image.size, expected)
        # a white margin all round: no label, colour bar, legend or title runs into the edge
        border = np.concatenate([pixels[:5].reshape(-1, 3), pixels[-5:].reshape(-1, 3),
                                 pixels[:, :5].reshape(-1, 3), pixels[:, -5:].reshape(-1, 3)])
        assert (border == 255).all(), f"{name}: something reaches the edge of the PNG"
        svg = paths["svg"].read_text(encoding="utf-8")
        assert "<svg" in svg[:500] and "<dc:date>" not in svg


def test_saving_the_same_figure_twice_gives_identical_files(framework, tmp_path):
    for run in ("one", "two"):
        for name, fig in _all_three(framework).items():
            figures.save_figure(fig, tmp_path / run, name)
    for name in ("matrix", "bars", "co"):
        for ext in ("png", "svg"):
            one = (tmp_path / "one" / f"{name}.{ext}").read_bytes()
            assert one == (tmp_path / "two" / f"{name}.{ext}").read_bytes(), f"{name}.{ext} differs"


def test_polarity_chart_of_many_cases_is_one_panel_of_all_cases(framework):
    """Beyond MAX_PANELS cases one panel per case is unreadable: the chart shows all cases together."""
    import pandas as pd

    dims = list(framework.dimension_ids)
    many = [f"case_{i:02d}" for i in range(figures.MAX_PANELS + 1)]
    rows = [{"dimension": d, "case": c, "barriers": 1, "facilitators": 2} for d in dims for c in [*many, "all cases"]]
    table = pd.DataFrame(rows)
    fig = figures.polarity_chart(table, many, dims)
    assert len(fig.axes) == 1 and "all 9 cases together" in fig._suptitle.get_text()
    few = figures.polarity_chart(table, many[:3], dims)
    assert len(few.axes) == 3
