"""Each cleaning rule with each action; every dropped or repaired row is counted with its reason."""

from __future__ import annotations

import json

import pytest

from prepare.clean import CleanSettings, clean_splits, run_clean
from prepare.cleaning import text as T
from robustflow.tasks import task_for
from robustflow.textkey import collapse_whitespace, near_key
from robustflow.errors import DataError
from robustflow.rows import read_rows, write_rows
from conftest import minimal_config


def cls(i, text, label="pos", pair=None, split="train"):
    return {"id": f"{split}-{i}", "text": text, "text_pair": pair, "label": label, "source_file": f"{split}.csv", "source_line": i + 1}


def ner(i, tokens, tags, split="train"):
    return {"id": f"{split}-{i}", "tokens": tokens, "tags": tags, "source_file": f"{split}.conll", "source_line": 10 * i}


def settings(validated, task="classification", **rules):
    """Effective cleaning settings with every rule off except those given."""
    off = {name: {"action": "off"} for name in ("unicode", "html", "control_chars", "whitespace", "empty", "length",
                                                "unknown_labels", "conflicting_labels", "exact_duplicates",
                                                "near_duplicates", "leakage", "tag_count_mismatch", "invalid_iob")}
    cfg = minimal_config(task)
    cfg["cleaning"] = {**off, **rules}
    return validated(cfg)["datasets"]["d"]["cleaning"]


def run(validated, train, dev=(), test=(), task="classification", labels=None, **rules):
    splits = {"train": list(train), "dev": list(dev), "test": list(test)}
    return clean_splits(splits, task, settings(validated, task, **rules), labels)


def test_text_repairs():
    assert T.normalize_unicode("ｆｕｌｌ ﬁ", "NFKC") == "full fi"
    assert T.normalize_unicode("ｆｕｌｌ ﬁ km²") == "ｆｕｌｌ ﬁ km²"  # NFC, the default, only composes
    assert T.strip_html("a &amp;amp; <br/>b <a href='x'>c</a> &lt;i&gt;d&lt;/i&gt;") == "a &  b c d"
    assert T.remove_control("zero\u200bwidth\u00ad\x07 ok\n") == "zerowidth ok\n"
    assert collapse_whitespace(" a \t\n b  ") == "a b"
    assert near_key("Café,  GREAT!") == near_key("cafe great")


@pytest.mark.parametrize("rule, dirty, clean", [
    ("unicode", "cafe\u0301", "caf\u00e9"),  # NFC composes e + combining acute
    ("html", "good &amp; <b>bold</b>", "good & bold"),
    ("control_chars", "go\u200bod", "good"),
    ("whitespace", "  so   good ", "so good"),
])
def test_repair_rules_count_and_show_before_after(validated, rule, dirty, clean):
    out, ledger = run(validated, [cls(0, dirty), cls(1, "fine")], **{rule: {"action": "repair"}})
    assert out["train"][0]["text"] == clean and out["train"][1]["text"] == "fine"
    assert ledger.count(rule, "train", "repaired") == 1
    assert ledger.examples[rule][0]["before"] == dirty and ledger.examples[rule][0]["after"] == clean


def test_repair_rules_can_drop_or_fail_instead(validated):
    out, ledger = run(validated, [cls(0, "a <b>x</b>"), cls(1, "fine")], html={"action": "drop"})
    assert [r["id"] for r in out["train"]] == ["train-1"]
    assert ledger.dropped_rows[0]["rule"] == "html" and ledger.dropped_rows[0]["id"] == "train-0"
    with pytest.raises(DataError, match=r"train.csv, line 1 \(row train-0, train split\): text has HTML .*action fail.*set `cleaning.html.action` to repair, drop or off"):
        run(validated, [cls(0, "a <b>x</b>")], html={"action": "fail"})


def test_text_pairs_are_repaired_too(validated):
    out, _ = run(validated, [cls(0, "a", pair="  b  c ")], whitespace={"action": "repair"})
    assert out["train"][0]["text_pair"] == "b c"


def test_empty_rows(validated):
    out, ledger = run(validated, [cls(0, ""), cls(1, "x", pair=""), cls(2, "ok")], empty={"action": "drop"})
    assert [r["id"] for r in out["train"]] == ["train-2"]
    assert {r["detail"] for r in ledger.dropped_rows} == {"text is empty", "text_pair is empty"}


def test_length_bounds_in_chars_and_tokens(validated):
    rows = [cls(0, "one"), cls(1, "two words"), cls(2, "three words here"), cls(3, "x" * 30)]
    out, ledger = run(validated, rows, length={"min_tokens": 2, "max_chars": 20})
    assert [r["id"] for r in out["train"]] == ["train-1", "train-2"]
    assert [r["detail"] for r in ledger.dropped_rows] == ["1 tokens, below min_tokens=2", "30 chars, above max_chars=20"]


def test_unknown_and_missing_labels(validated):
    train = [cls(0, "a", "pos"), cls(1, "b", "neg"), cls(2, "c", "")]
    test = [cls(0, "d", "meh", split="test")]
    out, ledger = run(validated, train, test=test, unknown_labels={"action": "drop"})
    assert [r["id"] for r in out["train"]] == ["train-0", "train-1"] and out["test"] == []
    assert ledger.dropped_rows[0]["detail"] == "label is missing"
    assert ledger.dropped_rows[1]["detail"] == "label 'meh' not among neg, pos (the train split)"
    out, _ = run(validated, train[:2], labels=["pos"], unknown_labels={"action": "drop"})
    assert [r["label"] for r in out["train"]] == ["pos"]
    with pytest.raises(DataError, match=r"test.csv, line 1 .*label 'meh'.*Fix: correct the label, or add it to `labels`"):
        run(validated, train[:2], test=test, unknown_labels={"action": "fail"})


def test_conflicting_labels_drop_every_copy(validated):
    rows = [cls(0, "it was fine", "pos"), cls(1, "It was fine!", "neg"), cls(2, "other", "pos")]
    out, ledger = run(validated, rows, conflicting_labels={"action": "drop"})
    assert [r["id"] for r in out["train"]] == ["train-2"]
    assert ledger.count("conflicting_labels", "train", "dropped") == 2


def test_exact_and_near_duplicates_keep_the_first(validated):
    rows = [cls(0, "Great film."), cls(1, "Great film."), cls(2, "great  film"), cls(3, "great film", "neg")]
    out, ledger = run(validated, rows, exact_duplicates={"action": "drop"}, near_duplicates={"action": "drop"})
    assert [r["id"] for r in out["train"]] == ["train-0", "train-3"]  # the other label is not a duplicate
    assert [r["detail"] for r in ledger.dropped_rows] == ["exact duplicate of train-0", "near duplicate (case/punctuation/spacing) of train-0"]


def test_duplicate_rules_only_touch_the_configured_splits(validated):
    test = [cls(0, "same", split="test"), cls(1, "same", split="test")]
    out, _ = run(validated, [cls(0, "a")], test=test, exact_duplicates={"action": "drop", "splits": ["train"]})
    assert len(out["test"]) == 2


def test_leakage_removes_from_train_then_dev_never_from_test(validated):
    train = [cls(0, "seen in test"), cls(1, "seen in dev"), cls(2, "only train")]
    dev = [cls(0, "Seen in dev!", split="dev"), cls(1, "seen in test", split="dev")]
    test = [cls(0, "seen in test", split="test")]
    out, ledger = run(validated, train, dev, test, leakage={"action": "drop"})
    assert [r["id"] for r in out["train"]] == ["train-2"]
    assert [r["id"] for r in out["dev"]] == ["dev-0"] and len(out["test"]) == 1
    assert [r["detail"] for r in ledger.dropped_rows] == ["also in test (test-0)", "also in dev (dev-0)", "also in test (test-0)"]


def test_ner_rules(validated):
    train = [ner(0, ["Ann", "met", "Bo"], ["B-PER", "O", "I-PER"]),
             ner(1, ["Oslo", "\u200b", "rocks"], ["B-LOC", "O", "O"]),
             ner(2, ["a", "b"], ["O"]),
             ner(3, ["Acme", "hired", "Ann"], ["B-ORG", "O", "B-PER"])]
    dev = [ner(0, ["Zed"], ["B-XYZ"], split="dev")]
    out, ledger = run(validated, train, dev, task="ner", tag_count_mismatch={"action": "drop"},
                      control_chars={"action": "repair"}, empty={"action": "drop"}, invalid_iob={"action": "repair"},
                      unknown_labels={"action": "repair"})
    assert [r["tags"] for r in out["train"]] == [["B-PER", "O", "B-PER"], ["B-LOC", "O"], ["B-ORG", "O", "B-PER"]]
    assert out["train"][1]["tokens"] == ["Oslo", "rocks"]
    assert out["dev"][0]["tags"] == ["O"]
    assert ledger.count("tag_count_mismatch", "train", "dropped") == 1
    assert ledger.count("invalid_iob", "train", "repaired") == 1
    assert "invalid IOB2 at token 2 ('Bo'): I-PER after O" in ledger.examples["invalid_iob"][0]["detail"]
    assert ledger.examples["unknown_labels"][0]["detail"].startswith("entity type(s) ['XYZ'] not among LOC, ORG, PER")


def test_ner_failures_name_the_line(validated):
    with pytest.raises(DataError, match=r"train.conll, line 0 \(row train-0, train split\): 2 tokens but 1 tags"):
        run(validated, [ner(0, ["a", "b"], ["O"])], task="ner", tag_count_mismatch={"action": "fail"})
    with pytest.raises(DataError, match=r"invalid IOB2 at token 0"):
        run(validated, [ner(0, ["a"], ["I-PER"])], task="ner", invalid_iob={"action": "fail"})


def test_run_clean_writes_splits_report_table_and_dropped_rows(tmp_path, validated):
    splits = {"train": [cls(0, "good <br> film"), cls(1, "good film"), cls(2, "bad film", "neg")],
              "dev": [cls(0, "fine film", split="dev")], "test": [cls(0, "bad film", "neg", split="test")]}
    inputs = {s: tmp_path / f"in_{s}.parquet" for s in splits}
    for s, rows in splits.items():
        write_rows(inputs[s], rows, "classification")
    outputs = {s: tmp_path / f"out_{s}.parquet" for s in splits}
    cfg = minimal_config()
    cfg["cleaning"] = {"length": {"min_tokens": 1}}
    cleaning = validated(cfg)["datasets"]["d"]["cleaning"]
    report = run_clean(CleanSettings("d", task_for("classification"), cleaning, None), inputs, outputs,
                       tmp_path / "r.json", tmp_path / "r.md", tmp_path / "dropped.jsonl")
    assert [r["text"] for r in read_rows(outputs["train"])] == ["good film"]
    assert report["splits"]["train"] == {"rows_in": 3, "dropped": 2, "repair_events": 2, "rows_out": 1, "labels": {"pos": 1}}
    assert report["rules"]["exact_duplicates"]["counts"]["train"] == {"dropped": 1, "repaired": 0}
    assert report["rules"]["leakage"]["counts"]["train"] == {"dropped": 1, "repaired": 0}
    dropped = [json.loads(line) for line in (tmp_path / "dropped.jsonl").read_text().splitlines()]
    assert [(d["id"], d["rule"]) for d in dropped] == [("train-1", "exact_duplicates"), ("train-2", "leakage")]
    table = (tmp_path / "r.md").read_text()
    assert "| train | 3 | 2 | 2 | 1 |" in table and "| exact_duplicates | drop | 1 dropped | 0 | 0 |" in table
    assert json.loads((tmp_path / "r.json").read_text()) == report


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_near_key_ascii_fast_path_equals_the_unicode_path(text):
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    slow = collapse_whitespace("".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in decomposed
                                         if unicodedata.category(c) != "Mn"))
    assert near_key(text) == slow
