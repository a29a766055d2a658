"""Real CoNLL-2003 (../shared/data) ingests to IOB2 with the published counts; seqeval reads it."""

from __future__ import annotations

import pytest

from prepare.ingest import read_dataset
from robustflow import iob
from prepare.spec import DatasetSpec
from conftest import SHARED, repo_config

pytestmark = [pytest.mark.shared_data,
              pytest.mark.skipif(not (SHARED / "conll2003" / "eng.train").exists(), reason="../shared/data not present")]


def test_conll2003_ingests_exactly_with_iob2_tags(validated):
    cfg = repo_config("conll2003")
    for ds in cfg["datasets"].values():
        ds["source"]["files"] = {k: str(SHARED / "conll2003" / v.rsplit("/", 1)[1]) for k, v in ds["source"]["files"].items()}
    cfg = validated(cfg)
    splits, report = read_dataset(DatasetSpec.from_config("conll2003", cfg["datasets"]["conll2003"], "ner", 13))
    counts = {s: (len(rows), sum(len(r["tokens"]) for r in rows)) for s, rows in splits.items()}
    assert counts == {"train": (14041, 203621), "dev": (3250, 51362), "test": (3453, 46435)}
    for split in ("train", "dev", "test"):
        assert report["sources"][split]["tag_scheme"] == "iob1"
        assert all(not iob.invalid_positions(r["tags"]) for r in splits[split])
    assert report["splits"]["test"]["labels"] == {"LOC": 1668, "MISC": 702, "ORG": 1661, "PER": 1617}

    from seqeval.metrics import classification_report, f1_score
    from seqeval.scheme import IOB2

    gold = [r["tags"] for r in splits["test"]]
    assert f1_score(gold, gold, mode="strict", scheme=IOB2) == 1.0
    per_type = classification_report(gold, gold, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    assert {k: int(v["support"]) for k, v in per_type.items() if k in ("LOC", "MISC", "ORG", "PER")} == report["splits"]["test"]["labels"]
