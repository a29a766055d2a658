"""Readers: every format, column layouts, label maps, and one clear error per kind of bad input."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from robustflow.errors import ConfigError, DataError
from prepare.readers.split_reader import read_split
from prepare.spec import DatasetSpec
from conftest import minimal_config


def spec_for(validated, path, task="classification", **dataset):
    cfg = validated(minimal_config(task, source={"files": {"train": str(path)}, **dataset.pop("source", {})}, **dataset))
    return DatasetSpec.from_config("d", cfg["datasets"]["d"], task, 13)


def read(validated, path, task="classification", **dataset):
    return read_split(spec_for(validated, path, task, **dataset), "train", str(path))


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


# ---- formats -------------------------------------------------------------------------------

def test_csv_with_quotes_multiline_fields_bom_and_label_map(tmp_path, validated):
    path = write(tmp_path, "a.csv", '\ufeffreview,stars\n"good, really",5\n"two\nlines",1\n')
    got = read(validated, path, columns={"text": "review", "label": "stars"}, label_map={"5": "pos", "1": "neg"})
    assert [(r["text"], r["label"], r["source_line"]) for r in got.rows] == [("good, really", "pos", 2), ("two\nlines", "neg", 3)]
    assert [r["id"] for r in got.rows] == ["train-000001", "train-000002"]


def test_csv_without_header_uses_column_positions_and_text_pairs(tmp_path, validated):
    path = write(tmp_path, "a.csv", "entail,a cat sleeps,an animal rests\n")
    got = read(validated, path, source={"header": False}, columns={"label": 0, "text": 1, "text_pair": 2})
    assert got.rows[0]["text_pair"] == "an animal rests" and got.rows[0]["label"] == "entail"


def test_tsv_jsonl_and_parquet(tmp_path, validated):
    tsv = write(tmp_path, "a.tsv", "text\tlabel\nhello, world\tx\n")
    assert read(validated, tsv).rows[0]["text"] == "hello, world"
    jsonl = write(tmp_path, "a.jsonl", '{"text": "hi", "label": 1}\n\n{"text": null, "label": 0}\n')
    rows = read(validated, jsonl).rows
    assert [(r["text"], r["label"], r["source_line"]) for r in rows] == [("hi", "1", 1), ("", "0", 3)]
    pq.write_table(pa.table({"text": ["a", "b"], "label": ["x", "y"]}), tmp_path / "a.parquet")
    assert [r["label"] for r in read(validated, tmp_path / "a.parquet").rows] == ["x", "y"]


def test_explicit_format_and_encoding(tmp_path, validated):
    path = write(tmp_path, "data.txt", "text|label\ncafé|x\n", encoding="latin-1")
    got = read(validated, path, source={"format": "csv", "delimiter": "|", "encoding": "latin-1"})
    assert got.rows[0]["text"] == "café"


def test_unknown_extension_asks_for_the_format(tmp_path, validated):
    path = write(tmp_path, "data.txt", "text,label\na,b\n")
    with pytest.raises(ConfigError, match=r"cannot tell the format of .*data.txt.*source.format"):
        read(validated, path)


def test_conll_any_layout_docstart_and_iob1_to_iob2(tmp_path, validated):
    text = "-DOCSTART-\tO\n\nO\tJohn\tI-PER\nO\tSmith\tI-PER\nO\tmet\tO\nO\tAnn\tI-PER\nO\tBo\tB-PER\n\nO\tok\tO\n"
    path = write(tmp_path, "a.tsv.conll", text)
    got = read(validated, path, "ner", source={"format": "conll"}, conll={"token_column": 1, "tag_column": 2, "delimiter": "\t"})
    assert [r["tokens"] for r in got.rows] == [["John", "Smith", "met", "Ann", "Bo"], ["ok"]]
    assert got.rows[0]["tags"] == ["B-PER", "I-PER", "O", "B-PER", "B-PER"]
    assert got.info["tag_scheme"] == "iob1" and got.info["documents"] == 1 and got.info["tags_converted_to_iob2"] == 2
    assert got.rows[0]["source_line"] == 3


def test_conll_bioes_declared(tmp_path, validated):
    path = write(tmp_path, "a.conll", "New B-LOC\nYork E-LOC\nis O\nbig O\n")
    got = read(validated, path, "ner", tag_scheme="bioes")
    assert got.rows[0]["tags"] == ["B-LOC", "I-LOC", "O", "O"]


def test_ner_jsonl_with_label_map(tmp_path, validated):
    path = write(tmp_path, "a.jsonl", json.dumps({"words": ["Ann", "runs"], "ner": [1, 0]}) + "\n")
    got = read(validated, path, "ner", columns={"tokens": "words", "tags": "ner"}, label_map={"0": "O", "1": "B-PER"})
    assert got.rows[0]["tags"] == ["B-PER", "O"] and got.info["tag_scheme"] == "iob2"


# ---- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ('text,label\n"unclosed,x\n', r"a.csv, line 2: malformed CSV .*Fix: close every opening quote"),
    ('text,label\n"a"b,x\n', r"a.csv, line 2: malformed CSV"),
    ("text,label\na,b,c\n", r"a.csv, line 2: 3 fields, but the header has 2\. Fix: quote fields"),
    ("text,label\n", r"a.csv: no data rows after the header"),
])
def test_malformed_csv(tmp_path, validated, content, message):
    with pytest.raises(DataError, match=message):
        read(validated, write(tmp_path, "a.csv", content))


def test_wrong_encoding_names_the_line_and_the_option(tmp_path, validated):
    path = write(tmp_path, "a.csv", "text,label\nok,x\ncaf\xe9,y\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"a.csv, line 3: byte b'\\xe9' is not valid utf-8.*set `source.encoding`"):
        read(validated, path)


def test_missing_column_lists_what_the_file_has(tmp_path, validated):
    path = write(tmp_path, "a.csv", "sentence,label\nhi,x\n")
    with pytest.raises(DataError, match=r"line 2: column 'text' \(the text column\) not found; the file has 'sentence', 'label'.*`columns.text`"):
        read(validated, path)
    path = write(tmp_path, "b.jsonl", '{"text": "a", "label": "x"}\n{"text": "b"}\n')
    with pytest.raises(DataError, match=r"b.jsonl, line 2: column 'label'"):
        read(validated, path)


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.csv", r"missing.csv: input file not found"),
    (lambda p: p, r"is a directory, not a file. Fix: point the config at the input file inside it"),
    (lambda p: write(p, "empty.csv", ""), r"empty.csv: the input file is empty \(0 bytes\)"),
])
def test_path_problems(tmp_path, validated, make, message):
    with pytest.raises(DataError, match=message):
        read(validated, make(tmp_path), source={"format": "csv"})


def test_bad_jsonl_lines(tmp_path, validated):
    with pytest.raises(DataError, match=r"a.jsonl, line 2: not valid JSON"):
        read(validated, write(tmp_path, "a.jsonl", '{"text": "a", "label": "x"}\n{"text": "b",}\n'))
    with pytest.raises(DataError, match=r"b.jsonl, line 1: expected a JSON object"):
        read(validated, write(tmp_path, "b.jsonl", '["a", "x"]\n'))
    with pytest.raises(DataError, match=r"c.jsonl, line 1, field 'text': expected text, got list"):
        read(validated, write(tmp_path, "c.jsonl", '{"text": ["a"], "label": "x"}\n'))


def test_not_a_parquet_file(tmp_path, validated):
    with pytest.raises(DataError, match=r"a.parquet: not a readable Parquet file"):
        read(validated, write(tmp_path, "a.parquet", "text,label\n"))


def test_ragged_conll_and_bad_tags(tmp_path, validated):
    with pytest.raises(DataError, match=r"a.conll, line 3: 2 columns, but line 1 has 4"):
        read(validated, write(tmp_path, "a.conll", "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman B-MISC\n"), "ner")
    with pytest.raises(DataError, match=r"b.conll, line 2, field 'tag': tag 'PER' is not O or a prefix"):
        read(validated, write(tmp_path, "b.conll", "Ann B-PER\nBo PER\n"), "ner")
    with pytest.raises(DataError, match=r"c.conll: no token lines found"):
        read(validated, write(tmp_path, "c.conll", "-DOCSTART- O\n\n\n"), "ner")
    with pytest.raises(DataError, match=r"d.conll, line 1: 2 columns, so token column 0 / tag column 5 do not exist"):
        read(validated, write(tmp_path, "d.conll", "Ann B-PER\n"), "ner", conll={"tag_column": 5})


def test_tags_that_contradict_the_declared_scheme(tmp_path, validated):
    with pytest.raises(DataError, match=r"a.conll, line 1: tag 'E-LOC' does not belong to scheme iob2.*detected: bioes"):
        read(validated, write(tmp_path, "a.conll", "York E-LOC\n"), "ner", tag_scheme="iob2")


def test_ner_jsonl_tags_must_be_lists_of_valid_tags(tmp_path, validated):
    with pytest.raises(DataError, match=r"line 1, field 'tags': expected a list, got str"):
        read(validated, write(tmp_path, "a.jsonl", '{"tokens": ["a"], "tags": "O"}\n'), "ner")
    with pytest.raises(DataError, match=r"line 1, field 'tags', tag 1: tag 'X' is not O"):
        read(validated, write(tmp_path, "b.jsonl", '{"tokens": ["a", "b"], "tags": ["O", "X"]}\n'), "ner")
