"""Experiment tracking: every model (its training and evaluation jobs), search trial and report of a
run, logged to MLflow by the `track` job from the artifacts on disk (rules/track.smk)."""
