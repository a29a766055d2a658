"""Named-entity recognition: one IOB2 tag per token, entity-level seqeval P/R/F1 (strict IOB2).

Sub-word alignment as Hugging Face's run_ner.py: a fast tokenizer with is_split_into_words, the
first piece of each word carries the word's label, the others -100; words cut off by max_length
are counted (they cannot be predicted, and are predicted O).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

from robustflow import iob
from robustflow.errors import DataError
from robustflow.tasks.base import IGNORE, NOISE_SUITES, Encoded, Task, as_label, as_text, percent
from robustflow.textkey import near_key

_SHOW = 200  # characters of text kept in report examples


def _string_list(value: object, path: object, line: int, field: str, item=as_text) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise DataError(f"{path}, line {line}, field {field!r}: expected a list, got {type(value).__name__}. "
                        "Fix: store tokens and tags as JSON arrays.")
    return [item(v, path, line, field) for v in value]


class Ner(Task):
    name = "ner"
    metric_name = "entity F1"
    label_field = "tags"
    measure = "entity_f1"
    content_fields = ("tokens",)
    can_stratify = False
    fallback_format = "conll"
    alignment_rules = ("tag_count_mismatch", "token_prefix")
    texts_are_tokens = True
    tag_rules = ("invalid_iob",)
    default_suites = {**NOISE_SUITES, "mentions": {"type": "mention_replace", "word_p": 1.0, "max_changes": 100}}

    def arrow_fields(self) -> list:
        import pyarrow as pa

        return [pa.field("tokens", pa.list_(pa.string())), pa.field("tags", pa.list_(pa.string()))]

    def record_columns(self, columns: dict) -> dict:
        return {"tokens": columns["tokens"], "tags": columns["tags"]}

    def row_from_record(self, record: dict, path: object, line: int, columns: dict, label_map: dict) -> dict:
        tokens = _string_list(record[columns["tokens"]], path, line, str(columns["tokens"]))
        # Tags may be class ids (hub exports store NER tags as integers; `label_map` names them).
        tags = [label_map.get(t, t) for t in _string_list(record[columns["tags"]], path, line, str(columns["tags"]), as_label)]
        for position, tag in enumerate(tags):
            try:
                iob.parse_tag(tag)
            except ValueError as exc:
                raise DataError(f"{path}, line {line}, field {columns['tags']!r}, tag {position}: {exc}") from None
        return {"tokens": tokens, "tags": tags}

    def finish_split(self, rows: list[dict], normalise_tags: Callable[[list[dict]], dict]) -> dict:
        return {"tokens": sum(len(r["tokens"]) for r in rows), **normalise_tags(rows)}

    def dataset_problems(self, name: str, dataset: dict) -> list[str]:
        if dataset["columns"]["text_pair"] is not None:
            return [f"`datasets.{name}.columns.text_pair`: pairs are for classification, not NER; remove it"]
        return []

    def label_key(self, row: dict):
        return tuple(row["tags"])

    def exact_key(self, row: dict):
        return (tuple(row["tokens"]), tuple(row["tags"]))

    def texts(self, row: dict) -> list[str]:
        return row["tokens"]

    def map_texts(self, row: dict, fn: Callable[[str], str]) -> dict:
        return {**row, "tokens": [fn(t) for t in row["tokens"]]}

    def show(self, row: dict) -> str:
        text = " ".join(row["tokens"])
        return text if len(text) <= _SHOW else text[:_SHOW] + "…"

    def content_key(self, row: dict) -> str:
        return near_key(" ".join(row["tokens"]))

    def token_count(self, row: dict) -> int:
        return len(row["tokens"])

    def labels_of(self, rows: Sequence[dict]) -> set[str]:
        return {iob.entity_type(t) for r in rows for t in r["tags"]} - {None}

    def label_counts(self, rows: Sequence[dict]) -> dict[str, int]:
        """Entity mentions per type."""
        return dict(sorted(Counter(t for r in rows for t, _, _ in iob.spans(iob.repair(r["tags"]))).items()))

    def empty_problem(self, row: dict) -> str | None:
        return None if row["tokens"] else "sentence has no tokens"

    def without_empty_tokens(self, row: dict) -> tuple[dict, int]:
        keep = [i for i, tok in enumerate(row["tokens"]) if tok]
        if len(keep) == len(row["tokens"]):
            return row, 0
        fixed = {**row, "tokens": [row["tokens"][i] for i in keep], "tags": [row["tags"][i] for i in keep]}
        return fixed, len(row["tokens"]) - len(keep)

    def unknown_label_problem(self, row: dict, allowed: set[str], known: str, source: str) -> str | None:
        unknown = sorted({iob.entity_type(t) for t in row["tags"]} - allowed - {None})
        return f"entity type(s) {unknown} not among {known} ({source})" if unknown else None

    def drop_unknown_labels(self, row: dict, allowed: set[str]) -> dict:
        return {**row, "tags": [t if iob.entity_type(t) in allowed or t == "O" else "O" for t in row["tags"]]}

    def conflict_problem(self, found: set) -> str:
        return f"same tokens appear with {len(found)} different tag sequences"

    def words(self, row: dict) -> list[str]:
        return row["tokens"]

    def editable_positions(self, row: dict) -> list[int]:
        return [i for i, tag in enumerate(row["tags"]) if tag == "O"]

    def with_words(self, row: dict, words: list[str]) -> dict:
        return {"tokens": words, "tags": list(row["tags"])}

    def ordinary_texts(self, row: dict) -> list[str]:
        return [token for token, tag in zip(row["tokens"], row["tags"]) if tag == "O"]

    def defended(self, row: dict, defence) -> dict:
        return {**row, "tokens": defence.words(row["tokens"])}

    def model_labels(self, labels: Sequence[str]) -> list[str]:
        """IOB2 label list: O, then B-/I- of each entity type in the given order."""
        return ["O"] + [f"{p}-{t}" for t in labels for p in ("B", "I")]

    def auto_model_class(self):
        from transformers import AutoModelForTokenClassification

        return AutoModelForTokenClassification

    def encode(self, rows: Sequence[dict], tokenizer, label2id: dict[str, int], max_length: int) -> Encoded:
        if not getattr(tokenizer, "is_fast", False):
            raise DataError("NER needs a fast tokenizer (word_ids() for label alignment); this model's tokenizer is slow.")
        enc = tokenizer([list(r["tokens"]) for r in rows], is_split_into_words=True, truncation=True, max_length=max_length)
        out = Encoded([])
        for i, row in enumerate(rows):
            word_ids = enc.word_ids(i)
            labels = self.word_labels(row, word_ids, label2id)
            kept = {w for w in word_ids if w is not None}
            out.truncated_words += len(row["tokens"]) - len(kept)
            out.cut_words.append(len(row["tokens"]) - len(kept))
            out.features.append({k: enc[k][i] for k in enc.keys()} | {"labels": labels})
            out.word_ids.append(word_ids)
        return out

    def word_labels(self, row: dict, word_ids: list, label2id: dict):
        """The first piece of each word carries its tag; the other pieces and specials -100."""
        labels, previous = [], None
        for w in word_ids:
            labels.append(IGNORE if w is None or w == previous else label2id[row["tags"][w]])
            previous = w
        return labels

    def decode(self, probs, row: dict, word_ids: list | None, id2label: dict) -> tuple:
        """One tag and distribution per word from its first piece; words lost to truncation are O,
        with all of the probability on O."""
        o_only = [1.0 if id2label[j] == "O" else 0.0 for j in range(len(id2label))]
        tags, dists = ["O"] * len(row["tokens"]), [o_only] * len(row["tokens"])
        previous = None
        for piece, w in enumerate(word_ids):
            if w is not None and w != previous:
                tags[w] = id2label[int(probs[piece].argmax())]
                dists[w] = probs[piece].tolist()
            previous = w
        return tags, dists

    def truncation(self, rows: Sequence[dict], enc: Encoded) -> dict:
        """Words cut off by max_length (they are predicted O), the sentences that lost some, and the
        gold entity words among them (each one a recall loss no training can fix)."""
        cut = [(row, n) for row, n in zip(rows, enc.cut_words) if n]
        return {"words": enc.truncated_words, "sentences": len(cut),
                "entity_words": sum(t != "O" for row, n in cut for t in row["tags"][len(row["tags"]) - n:])}

    def metrics(self, gold: Sequence, pred: Sequence) -> dict:
        """Entity-level, strict, IOB2 (strict mode without a scheme silently falls back to conlleval rules)."""
        from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
        from seqeval.scheme import IOB2

        kw = dict(mode="strict", scheme=IOB2, zero_division=0)
        report = classification_report(list(gold), list(pred), output_dict=True, **kw)
        per_type = {k: {m: float(v[m]) for m in ("precision", "recall", "f1-score", "support")}
                    for k, v in report.items() if not k.endswith(" avg")}
        return {"precision": float(precision_score(gold, pred, **kw)), "recall": float(recall_score(gold, pred, **kw)),
                "f1": float(f1_score(gold, pred, **kw)), "per_type": per_type, "n": len(gold)}

    def headline(self, metrics: dict) -> float:
        return metrics["f1"]

    def secondary_metrics(self, metrics: dict) -> dict:
        return {"per_type_f1": {t: v["f1-score"] for t, v in metrics["per_type"].items()}}

    def row_scores(self, gold: Sequence, pred: Sequence) -> list[list[int]]:
        """[true positives, false positives, false negatives] per sentence: entities as seqeval
        finds them in strict IOB2 mode, so their sums give seqeval's micro F1 exactly."""
        from seqeval.scheme import IOB2, Entities

        def entities(sequences):
            return [{e.to_tuple()[1:] for e in sentence} for sentence in Entities(list(sequences), IOB2, suffix=False).entities]

        scores = []
        for g, p in zip(entities(gold), entities(pred)):
            tp = len(g & p)
            scores.append([tp, len(p) - tp, len(g) - tp])
        return scores

    def calibration_units(self, row: dict, pred, dist, label2id: dict) -> list[tuple[list[float], int, bool]]:
        return [(d, label2id.get(g, -1), p == g) for d, g, p in zip(dist, row["tags"], pred)]

    def row_from_attack(self, record: dict) -> dict:
        return {"tokens": record["perturbed_tokens"], "tags": record["perturbed_tags"]}

    def attack_row_scores(self, records: Sequence[dict]) -> tuple[list, list]:
        clean = self.row_scores([r["tags"] for r in records], [r["original_prediction"] for r in records])
        return clean, self.row_scores([r["perturbed_tags"] for r in records], [r["perturbed_prediction"] for r in records])

    def example_fields(self, record: dict) -> dict:
        return {"tokens": record["tokens"], "perturbed_tokens": record["perturbed_tokens"], "tags": record["tags"],
                "original_f1": record["original_f1"], "perturbed_f1": record["perturbed_f1"]}

    def example_view(self, example: dict) -> tuple[list[str], list[str], str]:
        outcome = f"sentence F1 {percent(example['original_f1'])} → {percent(example['perturbed_f1'])}"
        return example["tokens"], example["perturbed_tokens"], outcome
