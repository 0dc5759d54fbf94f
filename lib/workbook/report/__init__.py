"""The synthesis report: its blocks, and the HTML page, Markdown and XLSX written from them.
One self-contained file per format under reports/."""
