"""Adaptive hyper-parameter search with Optuna (the `search` block): a study whose trials run in
parallel worker jobs against one journal file (Optuna's JournalFileStorage: plain appends under a
file lock, so it works on a cluster filesystem), each trial trained and attacked on dev; the best
feasible trial's settings then train as the variant `<trainset>/search`, evaluated on test like
every other model."""
