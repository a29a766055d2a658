"""The ground floor: what every stage shares, importing nothing above it (tests/test_architecture.py).

Config loading and validation, the task objects (classification, NER), the tables the stages
declare for validation to read (attack recipes, augmenter types, gate metrics, candidate sources,
defence settings, the search space, sweeps and variant names), seeds, atomic writes, row files,
numerics, errors, job logs and statistics.

Above it, in import order: prepare/, resources/, models/, augment/, robust_train/, evaluation/,
experiments/, report/.
"""
