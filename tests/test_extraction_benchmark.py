"""The extraction benchmark's labelled documents and renderers: well-formed, fictional, 4 to 12 pages in both
PDF layouts, every sentence's true page known, and the scoring counts a miss as a miss."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmark_helpers import load_benchmark

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("extraction_accuracy")


def test_every_labelled_document_is_fiction_with_both_labels_and_the_parts_of_a_paper(bench):
    docs = [bench.load_labelled(p) for p in sorted((ROOT / "benchmarks" / "extraction").glob("*.txt"))]
    assert len(docs) >= 6
    for doc in docs:
        assert doc.meta["note"].startswith("Fictional test document.")
        labels = [lab for lab, _, _ in doc.sentences()]
        assert labels.count("F") >= 10 and labels.count("N") >= 10, doc.name
        kinds = {it.kind for it in doc.items}
        assert {"heading", "para", "table", "figure", "ref"} <= kinds, doc.name
        headings = {it.text.lower() for it in doc.items if it.kind == "heading"}
        assert "references" in headings and any("method" in h or "approach" in h or "evaluation" in h or
                                                "setting" in h for h in headings), doc.name


def test_the_pdfs_have_4_to_12_pages_and_every_sentence_a_known_page(bench, tmp_path: Path):
    doc = bench.load_labelled(ROOT / "benchmarks" / "extraction" / "northvale.txt")
    keys = [(i, k) for i, it in enumerate(doc.items) if it.kind == "para" for k in range(len(it.sentences))]
    split = 0
    for columns in (1, 2):
        pages, count = bench.render_pdf(doc, tmp_path / f"n{columns}.pdf", columns)
        assert 4 <= count <= 12
        assert sorted(pages) == sorted(keys) and {int(p) for p in pages.values()} <= set(range(1, count + 1))
        assert [int(pages[key]) for key in keys] == sorted(int(pages[key]) for key in keys)  # reading order
        split += sum(len({pages[(i, k)] for k in range(len(doc.items[i].sentences))}) > 1 for i in {i for i, _ in keys})
    assert split >= 2  # paragraphs do break across pages, as in real documents


def test_scoring_counts_recovery_pages_junk_and_verdicts(bench):
    doc = bench.load_labelled(ROOT / "benchmarks" / "extraction" / "northvale.txt")
    clf = bench.load_classifier(ROOT / "evidence")
    truth = {(i, k): "1" for i, it in enumerate(doc.items) if it.kind == "para" for k in range(len(it.sentences))}
    perfect = bench.Tally()
    bench.score(doc, bench.labelled_markdown(doc, truth), truth, perfect, clf, [])
    assert perfect.recovered == perfect.labelled == len(doc.sentences()) and perfect.page_right == perfect.paged
    assert perfect.junk == 0
    body = bench.labelled_markdown(doc, truth)
    first = doc.sentences()[0][1]
    broken = body.replace(first, first.replace(" merged ", f" {doc.meta['header']} merged ")).replace("## p. 1",
                                                                                                  "## p. 2")
    damaged = bench.Tally()
    misses: list[str] = []
    bench.score(doc, broken, truth, damaged, clf, misses)
    assert damaged.recovered == damaged.labelled - 1 and damaged.page_right == 0 and damaged.junk == 1
    assert any(m.startswith("  not recovered (N): Background: Northvale") for m in misses)
