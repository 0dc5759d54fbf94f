"""Ingestion speed: how fast a 100-page two-column PDF is read, and added with `workbook add-source`.

The PDF is generated (reportlab, as the tests do: tests/document_fixtures.py): A4, two columns, about 560 words
a page, a running header, page numbers and page labels. Two figures:
- reading: `read_document` in this process (PDFium text and boxes, layout, cleaning), best and median of
  --repeat runs, as pages per second;
- the whole command: `python -m workbook add-source` in a fresh process on a fresh copy of evidence/
  (interpreter start, imports, reading, writing the source, the copy and cases.yaml), best and median.

Goal (issue 13): a 100-page PDF added in under 5 s on the 2-core build machine.

Usage: python benchmarks/ingest_speed.py [--pages 100] [--repeat 3]
Exit status 0 whenever the measurement ran (it is a measurement, not a gate).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
GOAL_SECONDS = 5.0


def make_pdf(folder: Path, pages: int) -> Path:
    """The benchmark PDF: `pages` two-column pages of body text with running header and page numbers."""
    from document_fixtures import PdfSpec, filler_page, write_pdf

    spec = PdfSpec(pages=[filler_page(560, seed=i) for i in range(pages)], title="Benchmark report",
                   label_start=1, metadata={"author": "Benchmark B", "title": "Benchmark report"})
    return write_pdf(folder / "bench.pdf", spec)


def main() -> int:
    """Generate the PDF, time reading and adding it, print the figures against the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from workbook.extract.documents import read_document

    print(f"load average at start: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory(prefix="wbk-ingest-") as tmp:
        folder = Path(tmp)
        pdf = make_pdf(folder, args.pages)
        print(f"generated {pdf.name}: {args.pages} pages, {pdf.stat().st_size / 1024:.0f} KiB")
        reads = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            document = read_document(pdf)
            reads.append(time.perf_counter() - start)
        blocks = sum(len(p.blocks) for p in document.pages)
        words = sum(len(b.text.split()) for p in document.pages for b in p.blocks)
        print(f"read_document: best {min(reads):.2f} s ({args.pages / min(reads):.0f} pages/s), median "
              f"{statistics.median(reads):.2f} s; {blocks} paragraphs, {words} words")
        adds = []
        for i in range(args.repeat):
            evidence = folder / f"evidence{i}"
            shutil.copytree(ROOT / "evidence", evidence)
            env = {**os.environ, "WORKBOOK_EVIDENCE": str(evidence), "WORKBOOK_REPORTS": str(folder / "reports")}
            start = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "workbook", "add-source", str(pdf), "--case", "bench",
                                  "--title", "Benchmark report", "--authors", "Benchmark B", "--year", "2020",
                                  "--venue", "Benchmarks"], env=env, capture_output=True, text=True)
            adds.append(time.perf_counter() - start)
            if run.returncode != 0:
                print(f"add-source failed: {run.stderr.strip()}")
                return 0
        best = min(adds)
        print(f"workbook add-source (new process): best {best:.2f} s, median {statistics.median(adds):.2f} s "
              f"({args.pages / best:.0f} pages/s overall)")
        print(f"goal: {args.pages}-page PDF added in under {GOAL_SECONDS:.0f} s: "
              f"{'met' if best < GOAL_SECONDS else 'NOT met'}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
