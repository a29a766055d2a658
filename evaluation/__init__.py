"""Robustness evaluation of one trained model (rules/evaluate.smk): clean metrics, calibration,
perturbation suites, attacks and transfer."""
