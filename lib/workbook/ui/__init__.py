"""What reviewers and teachers click in JupyterLab: the review widget and the teaching exercises.
Thin widgets over the coding and synthesis packages."""
