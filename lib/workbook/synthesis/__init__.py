"""Stage 3, synthesise: the framework matrix, barriers and facilitators, checklist, statistics, confidence, figures.
Pure functions of coded findings; the report package lays them out."""
