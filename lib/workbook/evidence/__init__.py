"""The reviewer's inputs in evidence/: the framework, the cases, their sources and outcome measures.
Reading and checking them; nothing here writes to reports/."""
