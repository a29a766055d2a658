"""Attack stage: real TextAttack searches and the NER search against tiny models built in-process."""

from __future__ import annotations

import json
import math

import pytest

from models.padding import padded_batches
from augment.attacks.model_wrapper import FastClassifierWrapper
from augment.attacks.attack_shard import AttackSettings, run_attack_shard
from augment.attacks.merge_shards import merge_attack_shards
from augment.attacks.ner import sentence_f1
from robustflow.recipes import RecipeSettings
from augment.attacks.results import attack_summary
from augment.trainsets.adversarial import adversarial_rows
from robustflow import iob
from robustflow.rows import read_rows, write_rows
from robustflow.seeds import row_seed, seed_globals
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert

WORDS = ("good bad great awful film movie plot story acting boring moving funny dull brilliant terrible "
         "wonderful script actors director scenes music").split()
LABELS = ["negative", "positive"]


def sentences(n: int) -> list[str]:
    return [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(5 + i % 4)) for i in range(n)]


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cls")
    return build_tiny_bert(folder, sentences(40) + WORDS, head="cls", num_labels=2,
                           id2label=dict(enumerate(LABELS)), label2id={k: i for i, k in enumerate(LABELS)}, seed=3,
                           initializer_range=0.5, whole_words=True)  # large weights: predictions that depend on the words;
    # whole words: the same vocabulary in every process (WordPiece training breaks ties at random)


@pytest.fixture(scope="module")
def cls_rows(tmp_path_factory):
    rows = [{"id": f"r{i:02d}", "text": t, "label": LABELS[i % 2]} for i, t in enumerate(sentences(14))]
    path = tmp_path_factory.mktemp("rows") / "test.parquet"
    write_rows(path, rows, "classification")
    return path


def sharded(tmp_path, task, recipe, settings, model, rows, shards, pools=None, max_examples=None):
    paths, report = [], tmp_path / "clean_report.json"
    # The cleaned data's labels, which the attack job checks the model's against.
    labels = LABELS if task == "classification" else sorted(task_for(task).labels_of(read_rows(rows)))
    report.write_text(json.dumps({"labels": labels}))
    for k in range(shards):
        out = tmp_path / f"{recipe}-{shards}-{k}.jsonl"
        params = {"task": task, "settings": {"sentence_encoder": "minilm", **settings}, "max_examples": max_examples,
                  "shards": shards, "batch_size": 16,
                  "device": "cpu", "seed": 5}
        run_attack_shard(AttackSettings.from_params(recipe, "test", params), k, {"name_or_path": str(model),
                         "label_map": {}, "trust_remote_code": False}, str(report), str(rows),
                         str(pools or rows), str(out))
        paths.append(str(out))
    merged, summary = tmp_path / f"{recipe}-{shards}.jsonl", tmp_path / f"{recipe}-{shards}.json"
    merge_attack_shards(paths, str(merged), str(summary))
    return [json.loads(line) for line in merged.read_text().splitlines()], json.loads(summary.read_text())


@pytest.mark.parametrize("recipe", ["deepwordbug", "pwws", "glove_swap", "pruthi"])
def test_sharded_attack_equals_one_job(tmp_path, classifier, cls_rows, recipe):
    settings = {"type": recipe, "query_budget": None, "max_perturbed_ratio": None}
    one, summary = sharded(tmp_path, "classification", recipe, settings, classifier, cls_rows, 1)
    for n in (2, 3):
        assert sharded(tmp_path, "classification", recipe, settings, classifier, cls_rows, n)[0] == one
    assert [r["id"] for r in one] == [r["id"] for r in read_rows(cls_rows)]
    assert summary["success"] + summary["failed"] + summary["skipped"] == len(one) == 14
    assert summary["success"] > 0, "a random tiny model should be easy to fool"
    for r in one:
        before, after = r["confidence"]  # the gold label's probability (two labels: right means above 0.5)
        if r["status"] == "success":
            assert r["perturbed_prediction"] != r["label"] == r["original_prediction"]
            assert r["perturbed_text"] != r["text"] and r["changed_words"]
            for old, new in r["changed_words"]:
                assert old in r["text"].split() and new in r["perturbed_text"].split()
            assert before >= 0.5 >= after
        elif r["status"] == "skipped":
            assert r["original_prediction"] != r["label"] and r["perturbed_text"] == r["text"]
            assert before == after <= 0.5
        else:
            assert before >= 0.5 and after >= 0.5


def test_padded_batches_bucket_each_query_by_its_own_length():
    ids = [[1] * 3, [2] * 9, [3] * 8, [4] * 16, [5] * 17, [6] * 5]
    batches = list(padded_batches(ids, batch_size=2, pad_id=0, limit=18))
    widths = {i: tuple(batch.shape)[1] for idx, batch, _ in batches for i in idx}
    assert widths == {0: 8, 1: 16, 2: 8, 3: 16, 4: 18, 5: 8}  # rounded up to 8, capped by the position limit
    assert sorted(i for idx, _, _ in batches for i in idx) == list(range(6))
    assert all(len(idx) <= 2 for idx, _, _ in batches)
    for idx, batch, mask in batches:
        for row, i in enumerate(idx):
            assert batch[row, :len(ids[i])].tolist() == ids[i] and set(batch[row, len(ids[i]):].tolist()) <= {0}
            assert mask[row].sum().item() == len(ids[i])
    assert {tuple(b.shape)[1] for _, b, _ in padded_batches(ids, 8, None, 18)} == {3, 5, 8, 9, 16, 17}  # no pad token


def test_classifier_scores_do_not_depend_on_the_batch(classifier):
    """What shard equivalence and PWWS prefetching rest on: a text scores the same whatever shares its batch,
    and as an unpadded forward pass does, up to float rounding (a matrix product's rounding depends on how
    many rows it has, padded or not)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(classifier).eval()
    tokenizer = AutoTokenizer.from_pretrained(classifier)
    texts = sentences(30)
    together = FastClassifierWrapper(model, tokenizer, 64, batch_size=7)(texts)
    for i, text in enumerate(texts):
        alone = FastClassifierWrapper(model, tokenizer, 64, batch_size=64)([text])[0]
        assert abs(alone - together[i]).max() < 1e-6
        with torch.inference_mode():
            plain = model(**tokenizer([text], return_tensors="pt")).logits.softmax(-1)[0].numpy()
        assert abs(plain - alone).max() < 1e-5


@pytest.mark.parametrize("budget", [None, 60])  # 60: below the queries of half the successful searches
def test_pwws_prefetching_keeps_textattack_s_search(classifier, cls_rows, budget):
    """Same outcomes, texts and query counts as TextAttack's own PWWS search, in fewer, larger model calls."""
    from textattack import Attack
    from textattack.goal_functions import UntargetedClassification
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from augment.attacks.constraints import swap_check, textattack_constraints
    from augment.attacks.recipes import BUILDERS, build_attack
    from augment.attacks.textattack_env import import_textattack

    import_textattack()
    settings = RecipeSettings.from_config({"type": "pwws", "query_budget": budget, "max_perturbed_ratio": None,
                                           "sentence_encoder": "minilm"})
    runs = {}
    for name in ("stock", "prefetch"):
        model = AutoModelForSequenceClassification.from_pretrained(classifier).eval()
        wrapper = FastClassifierWrapper(model, AutoTokenizer.from_pretrained(classifier), 64, batch_size=64)
        calls = []
        model.register_forward_pre_hook(lambda *_: calls.append(1))
        if name == "stock":
            transformation, constraints, search = BUILDERS["pwws"](settings)
            constraints += textattack_constraints(swap_check(settings))  # the validity checks build_attack adds
            goal = UntargetedClassification(wrapper, query_budget=budget or float("inf"), model_batch_size=256)
            attack = Attack(goal, constraints, transformation, search)
        else:
            attack = build_attack(settings, wrapper, model_batch_size=256)
        results = [attack.attack(r["text"], LABELS.index(r["label"])) for r in read_rows(cls_rows)]
        runs[name] = ([(type(r).__name__, r.perturbed_result.attacked_text.text, r.perturbed_result.num_queries)
                       for r in results], len(calls), wrapper.forward_texts)
    (stock, stock_calls, stock_texts), (ours, our_calls, our_texts) = runs["stock"], runs["prefetch"]
    assert ours == stock
    assert any(status == "SuccessfulAttackResult" for status, _, _ in ours)
    if budget:
        assert any(queries == budget for _, _, queries in ours), "some searches should run out of budget"
    assert our_calls < stock_calls
    if budget is None:
        assert our_texts == stock_texts  # nothing scored that the search would not have asked for


@pytest.mark.parametrize("recipe,budget", [("deepwordbug", None), ("pruthi", None), ("pwws", None),
                                           ("glove_swap", None), ("embedding_swap", None),
                                           ("deepwordbug", 15), ("pwws", 60), ("glove_swap", 20)])
def test_lockstep_search_equals_one_example_at_a_time(classifier, cls_rows, recipe, budget):
    """Searching many examples at once (their queries sharing each forward pass) gives every example
    the outcome, perturbed text and query count of TextAttack's one-at-a-time search, in fewer passes;
    the examples end at different steps (different query counts), some by running out of budget.
    Random character edits (deepwordbug, pruthi) are drawn from each example's own seed."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from augment.attacks.lockstep import LOCKSTEP_RECIPES, attack_in_lockstep
    from augment.attacks.recipes import build_attack
    from augment.attacks.textattack_env import import_textattack

    import_textattack()
    assert recipe in LOCKSTEP_RECIPES
    extra = {"embedding_model": str(classifier), "min_cos_sim": -1.0, "min_similarity": None} \
        if recipe == "embedding_swap" else {}  # the tiny model's own embeddings: any neighbour may do
    settings = RecipeSettings.from_config({"type": recipe, "query_budget": budget, "max_perturbed_ratio": None,
                                           "sentence_encoder": "minilm", **extra})
    rows = read_rows(cls_rows)
    examples = [(r["text"], LABELS.index(r["label"])) for r in rows]
    seeds = [row_seed(5, r["id"]) for r in rows]
    runs = {}
    for width in (1, 5, 14):  # 1: TextAttack's own loop over the examples
        model = AutoModelForSequenceClassification.from_pretrained(classifier).eval()
        wrapper = FastClassifierWrapper(model, AutoTokenizer.from_pretrained(classifier), 64, batch_size=64)
        passes = []
        model.register_forward_pre_hook(lambda *_: passes.append(1))
        attack = build_attack(settings, wrapper, model_batch_size=64)
        if width == 1:
            results = []
            for example, seed in zip(examples, seeds):
                seed_globals(seed)
                results.append(attack.attack(*example))
        else:
            results = attack_in_lockstep(attack, wrapper, examples, seeds, width=width)
        runs[width] = ([(type(r).__name__, r.perturbed_result.attacked_text.text, r.perturbed_result.num_queries)
                        for r in results], len(passes))
    (one, one_passes), (five, five_passes), (all_, all_passes) = runs[1], runs[5], runs[14]
    assert five == one and all_ == one
    statuses = {status for status, _, _ in one}
    assert "SuccessfulAttackResult" in statuses and len(statuses) > 1
    attempted = {queries for status, _, queries in one if status != "SkippedAttackResult"}
    assert len(attempted) >= 2, "the searches end at different steps"
    if budget:
        assert any(queries == budget for _, _, queries in one), "some searches should run out of budget"
    assert all_passes < five_passes < one_passes


def test_a_failing_forward_pass_ends_every_lockstep_search_with_its_error(classifier, cls_rows):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from augment.attacks.lockstep import attack_in_lockstep
    from augment.attacks.recipes import build_attack
    from augment.attacks.textattack_env import import_textattack

    import_textattack()
    model = AutoModelForSequenceClassification.from_pretrained(classifier).eval()
    wrapper = FastClassifierWrapper(model, AutoTokenizer.from_pretrained(classifier), 64, batch_size=64)
    settings = RecipeSettings.from_config({"type": "pwws", "query_budget": None, "max_perturbed_ratio": None,
                                           "sentence_encoder": "minilm"})
    attack = build_attack(settings, wrapper, model_batch_size=64)
    calls = []

    def fail_on_the_third_pass(*_):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("out of memory in the shared pass")

    model.register_forward_pre_hook(fail_on_the_third_pass)
    rows = read_rows(cls_rows)
    with pytest.raises(RuntimeError, match="the shared forward pass failed") as error:
        attack_in_lockstep(attack, wrapper, [(r["text"], LABELS.index(r["label"])) for r in rows], [0] * len(rows),
                           width=4)
    assert isinstance(error.value.__cause__, MemoryError)


def test_query_budget_and_ratio_are_honoured(tmp_path, classifier, cls_rows):
    settings = {"type": "pwws", "query_budget": 5, "max_perturbed_ratio": None}
    records, _ = sharded(tmp_path, "classification", "pwws", settings, classifier, cls_rows, 1)
    assert all(r["queries"] <= 5 for r in records)
    settings = {"type": "deepwordbug", "query_budget": None, "max_perturbed_ratio": 0.2}
    records, _ = sharded(tmp_path, "classification", "deepwordbug", settings, classifier, cls_rows, 1)
    for r in records:  # TextAttack's MaxWordsPerturbed allows ceil(ratio * words)
        assert len(r["changed_words"]) <= math.ceil(0.2 * len(r["text"].split()))
    assert any(r["status"] == "success" for r in records)


def test_attack_slice_is_a_seeded_sample(tmp_path, classifier, cls_rows):
    settings = {"type": "deepwordbug", "query_budget": None, "max_perturbed_ratio": None}
    records, _ = sharded(tmp_path, "classification", "deepwordbug", settings, classifier, cls_rows, 2, max_examples=5)
    ids = [r["id"] for r in records]
    assert len(ids) == 5 and ids == sorted(ids)


def test_adversarial_rows_carry_provenance():
    records = [{"id": "a", "recipe": "dwb", "status": "success", "perturbed_text": "godo film", "label": "positive",
                "changed_words": [["good", "godo"]], "queries": 7},
               {"id": "b", "recipe": "dwb", "status": "failed", "perturbed_text": "x", "label": "negative",
                "changed_words": [], "queries": 9}]
    rows = adversarial_rows(task_for("classification"), records, seed=3)
    assert rows == [{"id": "a~dwb", "text": "godo film", "label": "positive", "parent_id": "a", "source": "dwb",
                     "params": json.dumps({"changed_words": [["good", "godo"]], "queries": 7}, sort_keys=True),
                     "seed": 3}]


def test_attack_summary_by_hand():
    records = [{"status": s, "perturbed_ratio": p, "queries": q} for s, p, q in
               [("success", 0.25, 10), ("failed", 0.0, 30), ("skipped", 0.0, 1), ("success", 0.5, 20)]]
    s = attack_summary(records)
    assert (s["success"], s["failed"], s["skipped"]) == (2, 1, 1)
    assert s["success_rate"] == pytest.approx(2 / 3)
    assert s["mean_perturbed_ratio"] == pytest.approx(0.375)
    assert s["mean_queries"] == pytest.approx(20.0)


# ---- NER ----

NER_SENTENCES = [
    (["John", "Smith", "visited", "Paris", "on", "a", "sunny", "day"], ["B-PER", "I-PER", "O", "B-LOC", "O", "O", "O", "O"]),
    (["The", "film", "by", "Acme", "Corp", "was", "boring"], ["O", "O", "O", "B-ORG", "I-ORG", "O", "O"]),
    (["Mary", "went", "to", "Berlin", "and", "Rome", "yesterday"], ["B-PER", "O", "O", "B-LOC", "O", "B-LOC", "O"]),
    (["Nothing", "happened", "in", "the", "quiet", "town"], ["O"] * 6),
    (["Globex", "hired", "Anna", "Lee", "in", "London"], ["B-ORG", "O", "B-PER", "I-PER", "O", "B-LOC"]),
    (["Berlin", "is", "far", "from", "Madrid"], ["B-LOC", "O", "O", "O", "B-LOC"]),
]
NER_LABELS = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]


@pytest.fixture(scope="module")
def tagger(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ner")
    corpus = [" ".join(t) for t, _ in NER_SENTENCES]
    return build_tiny_bert(folder, corpus, head="ner", num_labels=len(NER_LABELS), id2label=dict(enumerate(NER_LABELS)),
                           label2id={k: i for i, k in enumerate(NER_LABELS)}, seed=2, initializer_range=0.5,
                           whole_words=True)  # a trained vocabulary differs between processes (tie order)


@pytest.fixture(scope="module")
def ner_rows(tmp_path_factory):
    rows = [{"id": f"s{i}", "tokens": t, "tags": g} for i, (t, g) in enumerate(NER_SENTENCES)]
    path = tmp_path_factory.mktemp("nerrows") / "test.parquet"
    write_rows(path, rows, "ner")
    return path


@pytest.mark.parametrize("recipe", ["deepwordbug", "pwws", "mention_swap"])
def test_ner_attack_keeps_gold_entities_and_shards_identically(tmp_path, tagger, ner_rows, recipe):
    settings = {"type": recipe, "query_budget": None, "max_perturbed_ratio": None}
    one, summary = sharded(tmp_path, "ner", recipe, settings, tagger, ner_rows, 1)
    assert sharded(tmp_path, "ner", recipe, settings, tagger, ner_rows, 2)[0] == one
    assert summary["examples"] == len(NER_SENTENCES)
    for r in one:
        assert iob.invalid_positions(r["perturbed_tags"]) == []
        assert len(r["perturbed_tokens"]) == len(r["perturbed_tags"])
        old, new = iob.spans(r["tags"]), iob.spans(r["perturbed_tags"])
        assert [t for t, _, _ in old] == [t for t, _, _ in new], "entity types and order are kept"
        if recipe != "mention_swap":
            assert r["perturbed_tags"] == r["tags"]
            changed = [i for i, (a, b) in enumerate(zip(r["tokens"], r["perturbed_tokens"])) if a != b]
            assert all(r["tags"][i] == "O" for i in changed), "only O words are edited"
        if r["status"] == "success":
            assert r["perturbed_f1"] < r["original_f1"]
            assert r["perturbed_f1"] == pytest.approx(sentence_f1(r["perturbed_tags"], r["perturbed_prediction"]))
    if recipe == "mention_swap":
        assert any(r["status"] == "success" for r in one)


@pytest.mark.parametrize("recipe,budget", [("deepwordbug", None), ("pwws", None), ("glove_swap", None),
                                           ("mention_swap", None), ("pwws", 10), ("mention_swap", 4)])
def test_ner_lockstep_search_equals_one_sentence_at_a_time(tagger, ner_rows, recipe, budget):
    """Many sentences' searches sharing each forward pass give every sentence the record (outcome,
    perturbed tokens and tags, queries) of searching it alone, in fewer passes; the searches end at
    different steps, some by running out of budget."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from augment.attacks.ner import NerAttack
    from augment.attacks.ner_lockstep import search_in_lockstep
    from augment.attacks.ner_scorer import NerScorer
    from augment.augmenters.mentions import mention_pools

    rows = read_rows(ner_rows) * 2
    rows = [{**r, "id": f"{r['id']}-{k}"} for k, r in enumerate(rows)]  # the same sentence, other seeds
    extra = {"min_cos_sim": 0.0, "max_candidates": 8} if recipe == "glove_swap" else {}
    settings = RecipeSettings.from_config({"type": recipe, "query_budget": budget, "max_perturbed_ratio": None,
                                           "sentence_encoder": "minilm", **extra})
    pools = mention_pools(read_rows(ner_rows))
    runs = {}
    for width in (1, 4, len(rows)):
        model = AutoModelForTokenClassification.from_pretrained(tagger).eval()
        passes = []
        model.register_forward_pre_hook(lambda *_: passes.append(1))
        attack = NerAttack(NerScorer(model, AutoTokenizer.from_pretrained(tagger), 64, 64, "cpu"), recipe, settings, 5,
                           pools)
        if width == 1:
            records = [attack.attack(row) for row in rows]
        else:
            ended = []
            records = search_in_lockstep(attack, rows, width, on_result=lambda i, r: ended.append(i))
            assert sorted(ended) == list(range(len(rows)))
        runs[width] = (records, len(passes))
    (one, one_passes), (four, four_passes), (all_, all_passes) = runs.values()
    assert four == one and all_ == one
    assert "success" in {r["status"] for r in one} or budget, "unbudgeted searches should fool the tiny tagger"
    attempted = {r["queries"] for r in one if r["status"] != "skipped"}
    assert len(attempted) >= 2, "the searches end at different steps"
    if budget:
        assert any(r["queries"] >= budget for r in one), "some searches should run out of budget"
    assert all_passes < four_passes < one_passes


def test_sentence_f1_by_hand():
    gold = ["B-PER", "I-PER", "O", "B-LOC"]
    assert sentence_f1(gold, gold) == 1.0
    assert sentence_f1(gold, ["B-PER", "O", "O", "B-LOC"]) == pytest.approx(0.5)  # PER span wrong, LOC right
    assert sentence_f1(["O", "O"], ["O", "O"]) == 1.0
    assert sentence_f1(["O", "O"], ["B-ORG", "O"]) == 0.0


def test_glove_swap_neighbours_are_words():
    """GloVe's vocabulary holds punctuation and clitics: "good" -> "n't" would negate the sentence."""
    from augment.attacks.glove_embedding import glove_embedding
    from augment.attacks.textattack_env import import_textattack

    import_textattack()
    embedding = glove_embedding()
    for word in ("good", "not", "film", "best"):
        neighbours = [embedding.index2word(i) for i in embedding.nearest_neighbours(word, 50)]
        assert len(neighbours) == 50 and word not in neighbours
        assert all(n.isalpha() for n in neighbours), neighbours
    unrestricted = embedding._unit @ embedding._unit[embedding.word2index("good")]
    assert embedding.word2index("n't") in unrestricted.argsort()[::-1][:50]  # what the filter keeps out


def test_embedding_swap_proposes_the_encoder_s_nearest_whole_words(tmp_path, classifier, cls_rows):
    """The third word-level candidate source: the encoder's own input embeddings, whole words only,
    nearest first; an attack with it succeeds on a random tiny model and swaps vocabulary words."""
    import numpy as np
    from transformers import AutoModel, AutoTokenizer

    from augment.attacks.encoder_embedding import encoder_embedding, whole_words
    from augment.attacks.textattack_env import import_textattack

    import_textattack()
    assert whole_words({"[CLS]": 0, "good": 1, "##s": 2, "a": 3, "film": 4, "3d": 5, "é": 6}) == [("good", 1), ("film", 4)]
    embedding = encoder_embedding(str(classifier))
    vocab = AutoTokenizer.from_pretrained(classifier).get_vocab()
    matrix = AutoModel.from_pretrained(classifier).get_input_embeddings().weight.detach().numpy()
    unit = {w: matrix[i] / np.linalg.norm(matrix[i]) for w, i in whole_words(vocab)}
    for word in ("good", "film"):
        neighbours = [embedding.index2word(i) for i in embedding.nearest_neighbours(word, 5)]
        expected = sorted((w for w in unit if w != word), key=lambda w: -float(unit[w] @ unit[word]))[:5]
        assert neighbours == expected
    settings = {"type": "embedding_swap", "query_budget": None, "max_perturbed_ratio": None,
                "embedding_model": str(classifier), "min_cos_sim": -1.0, "min_similarity": None}
    records, summary = sharded(tmp_path, "classification", "embedding_swap", settings, classifier, cls_rows, 1)
    assert summary["success"] > 0
    for r in records:
        for old, new in r["changed_words"]:
            assert new in unit and old != new


# ---- validity constraints -----------------------------------------------------------------------

def test_antonyms_are_recognised_in_any_form():
    from resources.wordnet import is_antonym_swap

    for old, new in [("good", "bad"), ("best", "worst"), ("satisfying", "unsatisfying"), ("increase", "decreased"),
                     ("Happy", "unhappy")]:
        assert is_antonym_swap(old, new), (old, new)
    for old, new in [("good", "fine"), ("film", "movie"), ("best", "finest"), ("good", "good")]:
        assert not is_antonym_swap(old, new), (old, new)


def test_swap_check_rejects_antonyms_and_keeps_the_similarity_threshold():
    from augment.attacks.constraints import SwapCheck, window
    from models.sentence_encoder import Encoder

    original = "i think the movie is good and the acting is clever".split()
    swaps = {"bad": 5, "fine": 5, "terrific": 5, "refrigerator": 5, "stupid": 10, "smart": 10}
    candidates = [(original[:i] + [w] + original[i + 1:], [i]) for w, i in swaps.items()]
    no_check = SwapCheck(False, False, None, 15)
    assert no_check.keep(original, candidates) == [True] * len(candidates) and not no_check.active
    encoder = Encoder("minilm")
    sims = encoder.similarity([window(original, i, 5) for _, (_, [i]) in zip(swaps, candidates)],
                              [window(words, i, 5) for words, [i] in candidates])
    threshold = sorted(sims)[len(sims) // 2]  # half of them pass
    check = SwapCheck(True, False, threshold, 5, encoder)
    verdicts = check.keep(original, candidates)
    for (word, _), sim, ok in zip(swaps.items(), sims, verdicts):
        assert ok == (sim >= threshold and word not in ("bad", "stupid")), (word, sim)
    assert check.rejected["antonym"] == 2 and not verdicts[0]  # good -> bad is an antonym whatever its similarity
    assert window("a b c d e f g".split(), 0, 3) == "a b c" and window("a b c d e f g".split(), 6, 3) == "e f g"
    assert window("a b".split(), 1, 15) == "a b"


def test_polarity_changes_are_recognised_through_both_lexicons_and_base_forms():
    from resources.polarity import changes_polarity, polarity

    assert polarity("good") == 1 and polarity("awful") == -1 and polarity("table") == 0
    assert polarity("talented") == 1  # VADER only (AFINN lacks it)
    assert polarity("troubling") == -1  # through its base form "trouble"
    for old, new in [("good", "little"), ("enjoyable", "frustrating"), ("best", "only"), ("stupid", "funny"),
                     ("talented", "inexperienced"), ("fascinating", "weird")]:
        assert changes_polarity(old, new), (old, new)
    for old, new in [("good", "great"), ("film", "movie"), ("awful", "terrible"), ("keenly", "eagerly")]:
        assert not changes_polarity(old, new), (old, new)


def test_swaps_between_negators_boosters_dampeners_and_contrast_words_change_polarity():
    """The swaps last round's valid attacks still won with (far -> less, extremely -> otherwise):
    unscored words that change how their neighbours read."""
    from resources.polarity import changes_polarity, shifter

    assert [shifter(w) for w in ("not", "isnt", "extremely", "far", "less", "barely", "otherwise", "film")] == [
        "negator", "negator", "booster", "booster", "dampener", "dampener", "contrast", None]
    for old, new in [("far", "less"), ("extremely", "otherwise"), ("more", "less"), ("not", "also"),
                     ("never", "often"), ("very", "hardly"), ("but", "and")]:
        assert changes_polarity(old, new), (old, new)
    for old, new in [("extremely", "very"), ("barely", "slightly"), ("tale", "story"), ("not", "never")]:
        assert not changes_polarity(old, new), (old, new)


def test_swap_check_rejects_polarity_changes_only_when_asked():
    from augment.attacks.constraints import SwapCheck

    original = "a good film with a talented cast".split()
    candidates = [(original[:1] + ["little"] + original[2:], [1]), (original[:1] + ["great"] + original[2:], [1]),
                  (original[:5] + ["inexperienced"] + original[6:], [5]), (original[:2] + ["movie"] + original[3:], [2])]
    assert SwapCheck(False, False, None, 15).keep(original, candidates) == [True] * 4
    check = SwapCheck(False, False, None, 15, same_polarity=True)
    assert check.active and check.keep(original, candidates) == [False, True, False, True]
    assert check.rejected["polarity"] == 2


def test_glove_swap_successes_keep_meaning(tmp_path, classifier, cls_rows):
    """With the default constraints no successful glove_swap uses an antonym, and every swap keeps the
    window similarity above the threshold."""
    from augment.attacks.constraints import window
    from models.sentence_encoder import Encoder
    from resources.wordnet import is_antonym_swap

    settings = {"type": "glove_swap", "query_budget": None, "max_perturbed_ratio": None}
    records, _ = sharded(tmp_path, "classification", "glove_swap", settings, classifier, cls_rows, 1)
    encoder = Encoder("minilm")
    for r in records:
        if r["status"] != "success":
            continue
        words, new = r["text"].split(), r["perturbed_text"].split()
        for old_word, new_word in r["changed_words"]:
            assert not is_antonym_swap(old_word, new_word)
            i = words.index(old_word)
            assert encoder.similarity([window(words, i, 15)], [window(new, i, 15)])[0] >= 0.8 - 1e-6


def test_cached_word_splits_match_textattack_and_are_restored():
    from augment.attacks.textattack_env import import_textattack
    from augment.attacks.word_split_cache import cached_word_splits

    import_textattack()
    import textattack.shared.attacked_text as attacked_text

    stock = attacked_text.words_from_text
    texts = ["it's a 'CCC' well-made, funny film", "o\u0455car-worthy", "", "  two   spaces ", "a <SPLIT> b"]
    with cached_word_splits():
        assert attacked_text.words_from_text is not stock
        for text in texts * 2:  # the second pass answers from the cache
            words = attacked_text.words_from_text(text)
            assert words == stock(text)
            words.append("changed")  # a caller's edit must not reach the next caller
        assert attacked_text.words_from_text("x y", ["x"]) == stock("x y", ["x"]) == ["y"]
        swapped = attacked_text.AttackedText("a good film").replace_word_at_index(1, "fine")
        assert swapped.text == "a fine film" and swapped.attack_attrs["modified_indices"] == {1}
    assert attacked_text.words_from_text is stock
