"""Faults of issue 18 in reading and cleaning data, one test each (the numbers are the issue's):
data never vanishes or changes silently, and errors point at the real line with what is really there."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from prepare.clean import CleanSettings, clean_splits, run_clean
from prepare.cleaning import text as T
from prepare.ingest import read_dataset
from prepare.readers.conll import read_conll
from prepare.readers.split_reader import read_split
from prepare.spec import DatasetSpec
from robustflow.config import validate_config
from robustflow.errors import ConfigError, DataError
from robustflow.rows import write_rows
from conftest import SCHEMA, minimal_config


def spec(validated, path, task="classification", **dataset):
    cfg = validated(minimal_config(task, source={"files": {"train": str(path)}, **dataset.pop("source", {})}, **dataset))
    return DatasetSpec.from_config("d", cfg["datasets"]["d"], task, 13)


def clean_files(tmp_path, validated, splits, task="classification", cleaning=None, labels=None):
    """run_clean on rows written as the ingest stage writes them; returns (report, markdown)."""
    cfg = minimal_config(task, cleaning=cleaning or {}, labels=labels)
    ds = validated(cfg)["datasets"]["d"]
    inputs, outputs = {}, {}
    for split, rows in splits.items():
        inputs[split] = tmp_path / f"in_{split}.parquet"
        write_rows(inputs[split], rows, task)
        outputs[split] = tmp_path / f"out_{split}.parquet"
    settings = CleanSettings.from_params("d", {"task": task, "cleaning": ds["cleaning"], "labels": ds["labels"]})
    report = run_clean(settings, inputs, outputs, tmp_path / "r.json", tmp_path / "r.md", tmp_path / "dropped.jsonl")
    return report, (tmp_path / "r.md").read_text()


def row(i, text, label="pos", split="train"):
    return {"id": f"{split}-{i:06d}", "text": text, "text_pair": None, "label": label,
            "source_file": f"{split}.csv", "source_line": i + 1}


# ---- 1. cleaning that empties a split stops the clean job; training refuses empty input -------

def test_1_the_same_file_as_train_and_test_stops_cleaning_naming_leakage(tmp_path, validated):
    rows = [row(i, f"sentence number {i} here") for i in range(6)]
    splits = {"train": rows[:4], "dev": rows[4:], "test": [dict(r, id=f"test-{i:06d}") for i, r in enumerate(rows)]}
    with pytest.raises(DataError) as err:
        clean_files(tmp_path, validated, splits)
    msg = str(err.value)
    assert "cleaning left the train split with 0 of its 4 rows" in msg and "rule 'leakage' dropped 4" in msg
    assert "is one file configured as both train and test?" in msg and "train.csv, line 1" in msg
    assert not (tmp_path / "out_train.parquet").exists()  # no output that looks complete


def test_1_min_tokens_dropping_every_row_names_the_length_rule(tmp_path, validated):
    splits = {"train": [row(0, "short"), row(1, "tiny")], "dev": [row(2, "a long enough dev row")],
              "test": [row(3, "a long enough test row")]}
    with pytest.raises(DataError, match=r"train split with 0 of its 2 rows.*rule 'length' dropped 2.*cleaning.length"):
        clean_files(tmp_path, validated, splits, cleaning={"length": {"min_tokens": 3}})
    report, _ = clean_files(tmp_path, validated, {**splits, "train": [*splits["train"], row(4, "one row that stays")]},
                            cleaning={"length": {"min_tokens": 3}})
    assert report["splits"]["train"]["rows_out"] == 1
    with pytest.raises(DataError, match=r"fewer than `cleaning.min_rows` \(2\)"):
        clean_files(tmp_path, validated, {**splits, "train": [*splits["train"], row(4, "one row that stays")]},
                    cleaning={"length": {"min_tokens": 3}, "min_rows": 2})


def test_1_training_refuses_empty_input_with_a_clear_message(tmp_path):
    from conftest import train_config
    from robust_train.trainer import train

    with pytest.raises(DataError, match=r"no training rows to train on: the training set is empty.*report.md"):
        train("classification", [], [row(0, "a b c")], ["neg", "pos"], "unused", train_config(), tmp_path / "m",
              tmp_path / "c")


# ---- 3. dev is carved with duplicates and label conflicts kept in one split -------------------

def test_3_carving_keeps_a_conflict_together_so_cleaning_sees_it(tmp_path, validated):
    lines = ["text,label"] + [f"distinct review number {i},{'pos' if i % 2 else 'neg'}" for i in range(40)]
    lines += ["the same words twice,pos", "The same words twice!,neg", "an exact copy,pos", "an exact copy,pos"]
    path = tmp_path / "train.csv"
    path.write_text("\n".join(lines) + "\n")
    for seed in range(8):  # whatever the seed, the pairs never straddle train and dev
        cfg = validated(minimal_config(source={"files": {"train": str(path)}}, split={"dev": 0.3, "test": 0.2}))
        splits, report = read_dataset(DatasetSpec.from_config("d", cfg["datasets"]["d"], "classification", seed))
        where = {r["text"]: name for name, rows in splits.items() for r in rows}
        assert where["the same words twice"] == where["The same words twice!"]
        homes = {name for name, rows in splits.items() for r in rows if r["text"] == "an exact copy"}
        assert len(homes) == 1
        assert report["carved"]["rows_sharing_a_text"] == 2 and "go to one split" in report["carved"]["kept_together"]
    out, ledger = clean_splits(splits, "classification", cfg["datasets"]["d"]["cleaning"], None)
    split = where["the same words twice"]
    assert ledger.count("conflicting_labels", split, "dropped") == 2  # seen as a conflict, not as leakage
    assert sum(ledger.count("leakage", s, "dropped") for s in ("train", "dev")) == 0


# ---- 4. no silent type coercion -----------------------------------------------------------------

@pytest.mark.parametrize("table, message", [
    ({"text": [0, 1], "label": ["a", "b"]}, r"line 1, field 'text': expected text, got int '0'"),
    ({"text": [True, False], "label": ["a", "b"]}, r"line 1, field 'text': expected text, got bool 'True'"),
    ({"text": ["x", "y"], "label": [1.0, 0.0]}, r"line 1, field 'label': label 1.0 is a float; labels must be text or integers"),
    ({"text": ["x", "y"], "label": [True, False]}, r"label True is a boolean"),
])
def test_4_parquet_values_of_the_wrong_type_are_errors(tmp_path, validated, table, message):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table(table), path)
    with pytest.raises(DataError, match=message):
        read_split(spec(validated, path), "train", str(path))


def test_4_integer_labels_and_integer_label_map_keys_still_work(tmp_path, validated):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "good", "label": 1}\n{"text": "bad", "label": 0}\n')
    cfg = minimal_config(source={"files": {"train": str(path)}}, label_map={1: "positive", 0: "negative"})
    ds = validate_config(cfg, SCHEMA)["datasets"]["d"]
    rows = read_split(DatasetSpec.from_config("d", ds, "classification", 1), "train", str(path)).rows
    assert [r["label"] for r in rows] == ["positive", "negative"]


def test_4_duplicate_column_names_are_errors(tmp_path, validated):
    path = tmp_path / "a.csv"
    path.write_text("text,label,text\nkept?,pos,or this\n")
    with pytest.raises(DataError, match=r"a.csv, line 1: the header names column 'text' twice \(columns 1 and 3\)"):
        read_split(spec(validated, path), "train", str(path))
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": "x", "text": "c"}\n')
    with pytest.raises(DataError, match=r"a.jsonl, line 2: key 'text' appears twice"):
        read_split(spec(validated, path), "train", str(path))


def test_4_a_rare_label_that_nearly_repeats_another_is_noted(tmp_path, validated):
    train = [row(i, f"text {i}", "positive" if i % 2 else "negative") for i in range(40)] + [row(40, "text 40", "Pos")]
    splits = {"train": train, "dev": [row(50, "dev row", "positive")], "test": [row(60, "test row", "negative")]}
    report, md = clean_files(tmp_path, validated, splits)
    assert any("label 'Pos' has 1 train row(s) against 20 for the similar 'positive': a typo?" in n for n in report["notes"])
    assert "## Notes" in md and "'Pos'" in md
    report, _ = clean_files(tmp_path, validated, {**splits, "train": train[:40]})
    assert report["notes"] == []  # two balanced classes: nothing to say


# ---- 5. an unclosed quote points at the line where its record begins -------------------------

def test_5_unclosed_quote_reports_the_line_the_record_starts(tmp_path, validated):
    lines = ["text,label", "a,x", "b,x", "c,x", '"never closed,x'] + [f"row {i},x" for i in range(31)]
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n")
    assert len(lines) == 36
    with pytest.raises(DataError, match=r"a.csv, line 5: malformed CSV .*in the record that starts there"):
        read_split(spec(validated, path), "train", str(path))


# ---- 7. CoNLL lines of invisible characters are sentence breaks; errors show them escaped -------

def test_7_a_lone_bom_line_is_a_counted_sentence_break(tmp_path, validated):
    path = tmp_path / "a.conll"
    path.write_text("EU B-ORG\nrejects O\n\ufeff\nPeter B-PER\n\u200b \n")
    conll = read_conll(path)
    assert [s.tokens for s in conll.sentences] == [["EU", "rejects"], ["Peter"]] and conll.invisible_lines == 2
    got = read_split(spec(validated, path, task="ner"), "train", str(path))
    assert got.info["invisible_lines"] == 2 and len(got.rows) == 2


def test_7_errors_quote_lines_and_tags_with_invisible_characters_escaped(tmp_path, validated):
    path = tmp_path / "a.conll"
    path.write_text("EU B-ORG\nrejects\ufeff O extra\n")
    with pytest.raises(DataError) as err:
        read_conll(path)
    assert "line 2: 3 columns, but line 1 has 2" in str(err.value) and 'reads "rejects\\ufeff O extra"' in str(err.value)
    path.write_text("EU B_ORG\u200b\n")
    with pytest.raises(DataError, match=r"tag 'B_ORG\\u200b' is not O"):
        read_conll(path)


# ---- 8. config errors name the config file; an unquoted 1e-4 gets a hint ----------------------

def test_8_config_errors_name_the_file_and_explain_yaml_exponents(tmp_path):
    from robustflow.config import load_config

    path = tmp_path / "experiment.yaml"
    path.write_text("task: classification\ndatasets: {d: {source: {files: {train: a.csv}}}}\ntrain: {lr: 1e-4}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"invalid config ({path})" in str(err.value)
    assert "`train.lr`: expected number, got '1e-4' (str); YAML reads 1e-4 as text" in str(err.value)
    assert "write 1.0e-4 (or 0.0001)" in str(err.value)
    # a number that reached the config as text another way (Snakemake's --config reads braces as text)
    path.write_text("task: classification\ndatasets: {d: {source: {files: {train: a.csv}}}}\ntrain: {lr: '0.5'}\n")
    with pytest.raises(ConfigError, match=r"`train.lr`: expected number, got '0.5' \(str\); given through "
                                          r"`snakemake --config key=\{...\}`\? .*set them in a --configfile"):
        load_config(path)


# ---- 9. HTML: unescape, then strip tags keeping their text; literal < and > stay ---------------

def test_9_escaped_markup_becomes_its_text_and_both_steps_are_counted(tmp_path, validated):
    dirty = '&lt;A HREF="http://www.example.com/x"&gt;KMB.N&lt;/A&gt; rose 5% &amp; a < b > c <user>'
    assert T.strip_html(dirty) == "KMB.N rose 5% & a < b > c <user>"
    assert T.html_counts(dirty) == {"entities_unescaped": 5, "tags_removed": 2}
    splits = {"train": [row(0, dirty), row(1, "plain row")], "dev": [row(2, "dev")], "test": [row(3, "test")]}
    report, md = clean_files(tmp_path, validated, splits)
    counts = report["rules"]["html"]["counts"]["train"]
    assert counts == {"dropped": 0, "repaired": 1, "entities_unescaped": 5, "tags_removed": 2}
    assert "1 repaired, 5 entities unescaped, 2 tags removed" in md


def test_9_block_tags_never_put_a_space_inside_an_ner_token(validated):
    rows = [{"id": "train-1", "tokens": ["a<br>b", "&lt;b&gt;Oslo&lt;/b&gt;"], "tags": ["O", "B-LOC"]}]
    cfg = validated(minimal_config("ner"))["datasets"]["d"]["cleaning"]
    out, _ = clean_splits({"train": rows, "dev": [], "test": []}, "ner", cfg, None)
    assert out["train"][0]["tokens"] == ["ab", "Oslo"]


# ---- 10. Unicode repair never adds whitespace to a token; NFC by default ----------------------

@pytest.mark.parametrize("form", ["NFC", "NFKC"])
def test_10_unicode_repair_keeps_tokens_whole(validated, form):
    tokens = ["Caf\u00e9", "\u00b4", "km\u00b2", "na\u00a8ve", "e\u0301"]
    rows = [{"id": "train-1", "tokens": tokens, "tags": ["O"] * 5}]
    cfg = validated(minimal_config("ner", cleaning={"unicode": {"form": form}}))["datasets"]["d"]["cleaning"]
    out, _ = clean_splits({"train": rows, "dev": [], "test": []}, "ner", cfg, None)
    repaired = out["train"][0]["tokens"]
    assert len(repaired) == 5 and not any(c.isspace() for t in repaired for c in t)
    assert repaired[1] == "\u00b4" and repaired[4] == "\u00e9"
    assert repaired[2] == ("km\u00b2" if form == "NFC" else "km2")


def test_10_nfc_is_the_default():
    assert validate_config(minimal_config(), SCHEMA)["datasets"]["d"]["cleaning"]["unicode"]["form"] == "NFC"


# ---- 11. a language prefix shared by most tokens is noted, and can be stripped ----------------

def test_11_token_prefixes_are_noted_and_stripped_on_request(tmp_path, validated):
    def sentences(split, n):
        return [{"id": f"{split}-{i}", "tokens": ["en:Paris", "en:is", f"en:big{split}{i}", "en:"], "tags": ["B-LOC", "O", "O", "O"],
                 "source_file": "a.conll", "source_line": i} for i in range(n)]

    splits = {"train": sentences("train", 3), "dev": sentences("dev", 1), "test": sentences("test", 1)}
    report, md = clean_files(tmp_path, validated, splits, task="ner")
    assert any("75% of the train tokens start with 'en:'" in n for n in report["notes"]) and "token_prefix" in md
    cleaning = {"token_prefix": {"action": "repair"}}
    report, _ = clean_files(tmp_path, validated, splits, task="ner", cleaning=cleaning)
    from robustflow.rows import read_rows

    assert read_rows(tmp_path / "out_train.parquet")[0]["tokens"] == ["Paris", "is", "bigtrain0", "en:"]
    assert report["rules"]["token_prefix"]["counts"]["train"]["repaired"] == 3 and report["notes"] == []
    with pytest.raises(ConfigError, match=r"token_prefix.action`: token prefixes are stripped from NER tokens only"):
        validated(minimal_config(cleaning={"token_prefix": {"action": "repair"}}))


# ---- 15. report.md escapes user text ------------------------------------------------------------

def test_15_cleaning_markdown_escapes_labels_and_text(tmp_path, validated):
    evil = "<img src=x onerror=alert(1)>"
    splits = {"train": [row(0, "a <script>x</script> row", evil), row(1, "b row", "ok")],
              "dev": [row(2, "c row", "ok")], "test": [row(3, "d row", evil)]}
    _, md = clean_files(tmp_path, validated, splits, cleaning={"html": {"action": "off"}})
    assert "<img" not in md and "<script>" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
    assert json.loads((tmp_path / "r.json").read_text())["labels"] == sorted([evil, "ok"])
