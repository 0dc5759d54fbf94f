"""`workbook train`: refit the model coder to this project's reviewer decisions (evidence/reviews/) and any
extra coded CSV, starting from the shipped model, and write evidence/models/coder.json."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported when the command runs: `workbook report` must not pay for it
    import pandas as pd


def read_extra(path: Path, dimension_ids: tuple[str, ...]) -> pd.DataFrame:
    """An extra coded CSV (text, dimensions, polarity, optional section), every row checked; a bad row is one
    located error."""
    from workbook.coding.rules import read_findings_csv
    from workbook.core.errors import ParameterError, problem
    from workbook.evidence.framework import POLARITIES

    if not path.is_file():
        raise ParameterError(problem(path, "the --extra CSV is not there (or is not a file).",
                                     "give the path of a CSV with columns text, dimensions, polarity."))
    table = read_findings_csv(path)
    missing = [c for c in ("text", "dimensions", "polarity") if c not in table.columns]
    if missing:
        raise ParameterError(problem(path, f"lacks column(s) {', '.join(missing)}; it has {', '.join(table.columns)}.",
                                     "give columns text, dimensions (ids joined by ';') and polarity."))
    for i, row in enumerate(table.itertuples(index=False), start=2):
        unknown = [d for d in str(row.dimensions).split(";") if d.strip() and d.strip() not in dimension_ids]
        if unknown:
            raise ParameterError(problem(path, f"unknown dimension id(s) {', '.join(unknown)}.",
                                         f"use the framework's ids ({', '.join(dimension_ids)}), joined by ';'.",
                                         line=i))
        if str(row.polarity).strip() not in POLARITIES:
            raise ParameterError(problem(path, f"polarity {str(row.polarity)!r} is not one of {', '.join(POLARITIES)}.",
                                         "write barrier, facilitator or neutral.", line=i))
        if not str(row.text).strip():
            raise ParameterError(problem(path, "the text is empty.", "give the coded sentence, or remove the row.",
                                         line=i))
    out = table[["text", "dimensions", "polarity"]].copy()
    out["polarity"] = out["polarity"].str.strip()
    out["section"] = table["section"].fillna("").astype(str) if "section" in table.columns else ""
    return out


def cmd_train(args: argparse.Namespace) -> int:
    """Fit the model coder to the reviewed findings plus --extra, with the shipped model as its prior."""
    from workbook.coding.model import SHIPPED_MODEL, fit_model, load_model, project_model_path, save_model
    from workbook.coding.rules import rule_coder
    from workbook.core.errors import ParameterError, display_path
    from workbook.pipeline.stages import resolve, training_table

    settings = resolve(framework=args.framework)
    framework = settings.framework
    reviewed = training_table(settings)
    frames = [reviewed]
    if args.extra:
        frames.append(read_extra(Path(args.extra), framework.dimension_ids))
    import pandas as pd

    data = pd.concat(frames, ignore_index=True)
    data = data[data["text"].astype(str).str.strip() != ""]
    if data.empty:
        raise ParameterError(f"{display_path(settings.evidence / 'reviews')}: no reviewer-coded findings and no "
                             f"--extra CSV, so there is nothing to train on. Fix: review some findings "
                             f"(notebooks/review.ipynb) or pass --extra CSV with text, dimensions, polarity.")
    prior = load_model(SHIPPED_MODEL, framework, rule_coder(framework))
    coder = fit_model(framework, data["text"].tolist(), data["dimensions"].tolist(), data["polarity"].tolist(),
                      sections=data["section"].fillna("").astype(str).tolist(), prior=prior, meta={"source": f"workbook train: {len(reviewed)} reviewer-coded findings"
                                         + (f" + {len(data) - len(reviewed)} rows of {Path(args.extra).name}"
                                            if args.extra else "") + ", starting from the shipped model"})
    path = save_model(coder, project_model_path(settings.evidence))
    kept = [d for d, m in coder.dims.items() if not m.coef[:coder.featurizer.width].any()]
    print(f"trained on {len(data)} coded findings ({len(reviewed)} reviewed"
          + (f", {len(data) - len(reviewed)} from {args.extra}" if args.extra else "") + f") -> {display_path(path)}")
    if kept:
        print(f"kept the shipped model for {', '.join(kept)} (coded, or not coded, fewer than 3 times here)")
    if str((framework.coding or {}).get("default_coder", "rules")) != "model":
        print("note: coding.default_coder in the framework file is not 'model', so reports use another coder; "
              "set it to model to use this one.")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add `train` to the `workbook` command's subparsers."""
    p = sub.add_parser("train", help="refit the model coder to reviewer decisions (and an extra coded CSV)")
    p.add_argument("--extra", default="", help="CSV with columns text, dimensions (ids joined by ';'), polarity")
    p.add_argument("--framework", default="", help="a framework YAML inside evidence/ (default framework.yaml)")
    p.set_defaults(func=cmd_train)
