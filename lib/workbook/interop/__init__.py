"""Exchange with other qualitative analysis tools through the REFI-QDA standard (.qdc codebooks, .qdpx projects):
export the framework and the coded evidence, and import other tools' codebooks and coded projects into evidence/."""
