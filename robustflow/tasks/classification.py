"""Text (or text-pair) classification: one label per row, accuracy and macro-F1."""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

from robustflow.errors import DataError
from robustflow.tasks.base import NOISE_SUITES, Encoded, Task, as_label, as_text
from robustflow.textkey import near_key

_SHOW = 200  # characters of text kept in report examples


class Classification(Task):
    name = "classification"
    metric_name = "accuracy"
    label_field = "label"
    measure = "accuracy"
    content_fields = ("text", "text_pair")
    can_stratify = True
    fallback_format = None
    problem_type = "single_label_classification"
    default_suites = {**NOISE_SUITES,
                      "paraphrase": {"type": "backtranslation", "backtranslation": {"backend": "apertium", "pivots": ["spa"]}}}

    def arrow_fields(self) -> list:
        import pyarrow as pa

        return [pa.field("text", pa.string()), pa.field("text_pair", pa.string()), pa.field("label", pa.string())]

    def record_columns(self, columns: dict) -> dict:
        return {"text": columns["text"], "text_pair": columns["text_pair"], "label": columns["label"]}

    def row_from_record(self, record: dict, path: object, line: int, columns: dict, label_map: dict) -> dict:
        text = as_text(record[columns["text"]], path, line, str(columns["text"]))
        pair_col = columns.get("text_pair")
        pair = as_text(record[pair_col], path, line, str(pair_col)) if pair_col is not None else None
        label = as_label(record[columns["label"]], path, line, str(columns["label"]))
        return {"text": text, "text_pair": pair, "label": label_map.get(label, label)}

    def dataset_problems(self, name: str, dataset: dict) -> list[str]:
        problems = []
        if dataset["source"]["format"] == "conll":
            problems.append(f"`datasets.{name}.source.format`: conll is an NER format but task is classification")
        if dataset["cleaning"]["token_prefix"]["action"] != "off":
            problems.append(f"`datasets.{name}.cleaning.token_prefix.action`: token prefixes are stripped from NER "
                            "tokens only; set it to off for classification")
        if dataset["cleaning"]["unknown_labels"]["action"] == "repair":
            problems.append(f"`datasets.{name}.cleaning.unknown_labels.action`: repair only exists for NER (unknown "
                            "entities become O); for classification use drop, fail or off")
        return problems

    def label_key(self, row: dict):
        return row["label"]

    def exact_key(self, row: dict):
        return (row["text"], row.get("text_pair"), row["label"])

    def texts(self, row: dict) -> list[str]:
        return [row["text"]] + ([row["text_pair"]] if row.get("text_pair") is not None else [])

    def map_texts(self, row: dict, fn: Callable[[str], str]) -> dict:
        out = {**row, "text": fn(row["text"])}
        if row.get("text_pair") is not None:
            out["text_pair"] = fn(row["text_pair"])
        return out

    def show(self, row: dict) -> str:
        text = row["text"] + (f" ||| {row['text_pair']}" if row.get("text_pair") is not None else "")
        return text if len(text) <= _SHOW else text[:_SHOW] + "…"

    def content_key(self, row: dict) -> str:
        return near_key(row["text"]) + ("\x1f" + near_key(row["text_pair"]) if row.get("text_pair") is not None else "")

    def token_count(self, row: dict) -> int:
        return sum(len(t.split()) for t in self.texts(row))

    def labels_of(self, rows: Sequence[dict]) -> set[str]:
        return {r["label"] for r in rows} - {""}

    def label_counts(self, rows: Sequence[dict]) -> dict[str, int]:
        return dict(sorted(Counter(r["label"] for r in rows).items()))

    def empty_problem(self, row: dict) -> str | None:
        if not row["text"]:
            return "text is empty"
        if row.get("text_pair") is not None and not row["text_pair"]:
            return "text_pair is empty"
        return None

    def unknown_label_problem(self, row: dict, allowed: set[str], known: str, source: str) -> str | None:
        if row["label"] == "":
            return "label is missing"
        return None if row["label"] in allowed else f"label {row['label']!r} not among {known} ({source})"

    def conflict_problem(self, found: set) -> str:
        return f"same text appears with labels {sorted(found)}"

    def words(self, row: dict) -> list[str]:
        return row["text"].split()

    def editable_positions(self, row: dict) -> list[int]:
        return list(range(len(self.words(row))))

    def with_words(self, row: dict, words: list[str]) -> dict:
        return {"text": " ".join(words)}

    def ordinary_texts(self, row: dict) -> list[str]:
        return self.texts(row)

    def defended(self, row: dict, defence) -> dict:
        return self.map_texts(row, defence.text)

    def model_labels(self, labels: Sequence[str]) -> list[str]:
        return list(labels)

    def auto_model_class(self):
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def encode(self, rows: Sequence[dict], tokenizer, label2id: dict[str, int], max_length: int) -> Encoded:
        pairs = [r.get("text_pair") for r in rows]
        enc = tokenizer([r["text"] for r in rows], pairs if any(p is not None for p in pairs) else None,
                        truncation=True, max_length=max_length)
        features = []
        for i, row in enumerate(rows):
            if row["label"] not in label2id:
                raise DataError(f"row {row['id']}: label {row['label']!r} is not one of the model's labels {sorted(label2id)}")
            features.append({k: enc[k][i] for k in enc.keys()} | {"labels": label2id[row["label"]]})
        return Encoded(features)

    def word_labels(self, row: dict, word_ids: list, label2id: dict):
        return label2id[row["label"]]

    def decode(self, probs, row: dict, word_ids: list | None, id2label: dict) -> tuple:
        return id2label[int(probs.argmax())], probs.tolist()

    def metrics(self, gold: Sequence, pred: Sequence) -> dict:
        from sklearn.metrics import f1_score

        correct = sum(g == p for g, p in zip(gold, pred))
        return {"accuracy": correct / max(len(gold), 1),
                "macro_f1": float(f1_score(list(gold), list(pred), average="macro", zero_division=0)), "n": len(gold)}

    def headline(self, metrics: dict) -> float:
        return metrics["accuracy"]

    def secondary_metrics(self, metrics: dict) -> dict:
        return {"macro_f1": metrics["macro_f1"]}

    def row_scores(self, gold: Sequence, pred: Sequence) -> list[list[int]]:
        return [[int(g == p)] for g, p in zip(gold, pred)]

    def calibration_units(self, row: dict, pred, dist, label2id: dict) -> list[tuple[list[float], int, bool]]:
        return [(dist, label2id.get(row["label"], -1), pred == row["label"])]

    def row_from_attack(self, record: dict) -> dict:
        return {"text": record["perturbed_text"], "label": record["label"]}

    def attack_row_scores(self, records: Sequence[dict]) -> tuple[list, list]:
        clean = [[int(r["status"] in ("success", "failed"))] for r in records]
        return clean, [[int(r["status"] == "failed")] for r in records]

    def example_fields(self, record: dict) -> dict:
        return {"text": record["text"], "perturbed_text": record["perturbed_text"], "label": record["label"]}

    def example_view(self, example: dict) -> tuple[list[str], list[str], str]:
        outcome = (f"label {example['label']}: predicted {example['original_prediction']} → "
                   f"{example['perturbed_prediction']}")
        return example["text"].split(), example["perturbed_text"].split(), outcome
