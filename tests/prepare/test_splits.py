from __future__ import annotations

from collections import Counter

from prepare.splits import carve


def test_carve_is_seeded_stratified_and_loses_nothing():
    keys = ["a"] * 60 + ["b"] * 40
    parts = carve(keys, {"test": 0.2, "dev": 0.1}, seed=3)
    assert sorted(parts["train"] + parts["dev"] + parts["test"]) == list(range(100))
    assert Counter(keys[i] for i in parts["test"]) == {"a": 12, "b": 8}
    assert Counter(keys[i] for i in parts["dev"]) == {"a": 6, "b": 4}
    assert all(p == sorted(p) for p in parts.values())
    assert carve(keys, {"test": 0.2, "dev": 0.1}, seed=3) == parts
    assert carve(keys, {"test": 0.2, "dev": 0.1}, seed=4)["test"] != parts["test"]
