"""Running the stages: the stage functions notebooks call, the regeneration plan, kernels and the atomic swap.
Also validation of the whole evidence directory before a run."""
