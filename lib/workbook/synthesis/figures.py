"""The synthesis figures, in one colour-blind-safe palette, saved as PNG and SVG and then closed.

The heatmaps are drawn with matplotlib alone (seaborn is not imported). Each figure is laid out when it is
built (`tight_layout`); saving measures its bounding box once, for both files, and draws it once per file.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from workbook.synthesis.matrix import ALL_CASES

SEQUENTIAL = "cividis"
"""Sequential colour map of every heatmap: perceptually uniform and readable with colour-vision deficiency."""
POLARITY_COLOURS: dict[str, str] = {"facilitator": "#0072B2", "barrier": "#E69F00", "neutral": "#999999"}
"""Okabe-Ito blue and orange: a pair told apart with every common colour-vision deficiency."""
DPI = 150
MAX_PANELS = 8
"""Up to this many cases the polarity chart has a panel per case; beyond it, one panel of all cases together."""
WRAP = 18
"""Tick labels longer than this many characters are wrapped onto several lines."""


def wrap(label: str, width: int = WRAP) -> str:
    """A tick label wrapped onto lines of at most `width` characters."""
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _wrapped(labels: "dict[str, str] | None", ids: "list[str]") -> dict[str, str]:
    return {i: wrap((labels or {}).get(i, i)) for i in ids}


def matrix_heatmap(matrix: pd.DataFrame, labels: "dict[str, str] | None" = None,
                   title: str = "Coded findings per case and dimension") -> Figure:
    """Heatmap of the framework matrix (cases as rows, dimensions as columns), counts annotated."""
    data = matrix.rename(columns=_wrapped(labels, list(matrix.columns)), index=_wrapped(None, list(matrix.index)))
    return _annotated_heatmap(data, "coded findings", ("dimension", "case"), title,
                              (1.3 * data.shape[1] + 2.5, 0.7 * data.shape[0] + 2.2))


def _annotated_heatmap(data: pd.DataFrame, colour_label: str, axis_labels: "tuple[str, str]", title: str,
                       size: "tuple[float, float]", mask: "np.ndarray | None" = None) -> Figure:
    """A count heatmap in the workbook's sequential palette, counts written in the cells, labels upright."""
    if data.size == 0:
        return empty_figure(title, f"Nothing to show yet: no {axis_labels[1]}s.")
    counts = data.to_numpy(dtype=float)
    values = np.ma.masked_array(counts, mask=np.isnan(counts) | (False if mask is None else np.asarray(mask, bool)))
    shown = values.compressed()  # the colour scale spans the cells shown, as in seaborn
    fig, ax = plt.subplots(figsize=size)
    mesh = ax.pcolormesh(values, cmap=SEQUENTIAL, vmin=shown.min() if shown.size else None,
                         vmax=shown.max() if shown.size else None, edgecolors="white", linewidth=0.5)
    ax.set_xlim(0, data.shape[1])
    ax.set_ylim(data.shape[0], 0)  # first row at the top
    ax.spines[:].set_visible(False)  # the white cell borders separate the cells
    colourbar = fig.colorbar(mesh, ax=ax, label=colour_label)
    colourbar.outline.set_linewidth(0)
    for (row, col), value in np.ndenumerate(counts):
        if not values.mask[row, col]:  # masked cells stay blank
            ax.text(col + 0.5, row + 0.5, f"{int(value):d}", ha="center", va="center",
                    color=_text_colour(mesh.cmap(mesh.norm(value))))
    ax.set_xticks(np.arange(data.shape[1]) + 0.5, [str(c) for c in data.columns])
    ax.set_yticks(np.arange(data.shape[0]) + 0.5, [str(i) for i in data.index], va="center")
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _text_colour(background: "tuple[float, ...]") -> str:
    """Dark grey text on light cells, white on dark ones (WCAG relative luminance, seaborn's threshold)."""
    rgb = np.asarray(background[:3], dtype=float)
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return ".15" if float(linear @ [0.2126, 0.7152, 0.0722]) > 0.408 else "w"


def polarity_chart(table: pd.DataFrame, case_ids: "list[str]", dimension_ids: "list[str]",
                   labels: "dict[str, str] | None" = None,
                   title: str = "Barriers and facilitators by dimension and case") -> Figure:
    """Per case, horizontal bars: barriers to the left of zero, facilitators to the right, one row per dimension."""
    labels = labels or {}
    if not case_ids or not dimension_ids:
        return empty_figure(title, "Nothing to show yet: no cases." if not case_ids else "No dimensions.")
    if len(case_ids) > MAX_PANELS and ALL_CASES in set(table["case"]):
        # one panel per case stops being readable (and costs a second a panel to lay out): all cases together
        title = f"{title}: all {len(case_ids)} cases together (per case in the table)"
        case_ids = [ALL_CASES]
    fig, axes = plt.subplots(1, len(case_ids), figsize=(3.6 * len(case_ids) + 1.5, 0.45 * len(dimension_ids) + 1.8),
                             sharey=True, squeeze=False)
    y = np.arange(len(dimension_ids))
    shown = table[table["case"].isin(case_ids)]
    limit = max(1, int(shown[["barriers", "facilitators"]].to_numpy().max()))
    for ax, case in zip(axes[0], case_ids):
        rows = table[table["case"] == case].set_index("dimension").reindex(dimension_ids).fillna(0)
        ax.barh(y, -rows["barriers"].to_numpy(), color=POLARITY_COLOURS["barrier"], label="barriers")
        ax.barh(y, rows["facilitators"].to_numpy(), color=POLARITY_COLOURS["facilitator"], label="facilitators")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlim(-limit - 0.5, limit + 0.5)
        ticks = [t for t in ax.get_xticks() if abs(t) <= limit + 0.5]
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{abs(int(t))}" for t in ticks])
        ax.set_title(case)
        ax.set_xlabel("findings (barriers | facilitators)")
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y)
    axes[0][0].set_yticklabels([wrap(labels.get(d, d), 24) for d in dimension_ids])
    axes[0][0].set_ylabel("dimension")
    axes[0][0].invert_yaxis()
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def cooccurrence_heatmap(matrix: pd.DataFrame, labels: "dict[str, str] | None" = None,
                         title: str = "Dimensions coded together in the same finding") -> Figure:
    """Heatmap of the co-occurrence matrix below the diagonal; each label carries its findings count (n)."""
    ids = list(matrix.index)
    names = {d: wrap(f"{(labels or {}).get(d, d)} (n={int(matrix.at[d, d])})", 14) for d in ids}
    data = matrix.rename(index=names, columns=names).iloc[1:, :-1]
    mask = np.triu(np.ones(data.shape, dtype=bool), k=1)
    return _annotated_heatmap(data, "findings coded with both", ("dimension", "dimension"), title,
                              (1.2 * data.shape[1] + 3, 0.8 * data.shape[0] + 2.2), mask)


def empty_figure(title: str, message: str) -> Figure:
    """A small figure that says, in words, why there is nothing to plot."""
    fig, ax = plt.subplots(figsize=(6, 1.6))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, directory: "str | Path", name: str) -> dict[str, Path]:
    """Save a figure as <name>.png and <name>.svg in `directory`, then close it; returns both paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"png": directory / f"{name}.png", "svg": directory / f"{name}.svg"}
    # `bbox_inches="tight"` would lay the figure out again for each file, and so would the placeholder layout
    # engine that `tight_layout` leaves behind: measure the bounding box once and crop both files to it.
    with plt.rc_context({"svg.hashsalt": name, "figure.autolayout": False, "figure.constrained_layout.use": False}):
        if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
            fig.set_layout_engine(None)
        elif fig.get_layout_engine() is not None:
            fig.draw_without_rendering()  # e.g. constrained layout, done at draw time: lay out before measuring
        box = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
        fig.savefig(paths["png"], dpi=DPI, bbox_inches=box, metadata={"Software": None})
        fig.savefig(paths["svg"], bbox_inches=box, metadata={"Date": None})
    plt.close(fig)
    return paths
