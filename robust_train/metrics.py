"""Metrics as plain Python types: accuracy/macro-F1, and seqeval entity P/R/F1 (strict IOB2)."""

from __future__ import annotations

from typing import Sequence


def classification_metrics(gold: Sequence[str], pred: Sequence[str]) -> dict:
    from sklearn.metrics import f1_score

    correct = sum(g == p for g, p in zip(gold, pred))
    return {"accuracy": correct / max(len(gold), 1),
            "macro_f1": float(f1_score(list(gold), list(pred), average="macro", zero_division=0)), "n": len(gold)}


def ner_metrics(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict:
    """Entity-level, strict, IOB2 (strict mode without a scheme silently falls back to conlleval rules)."""
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    kw = dict(mode="strict", scheme=IOB2, zero_division=0)
    report = classification_report(list(gold), list(pred), output_dict=True, **kw)
    per_type = {k: {m: float(v[m]) for m in ("precision", "recall", "f1-score", "support")}
                for k, v in report.items() if not k.endswith(" avg")}
    return {"precision": float(precision_score(gold, pred, **kw)), "recall": float(recall_score(gold, pred, **kw)),
            "f1": float(f1_score(gold, pred, **kw)), "per_type": per_type, "n": len(gold)}


def headline(task: str, metrics: dict) -> float:
    """The number early stopping and summaries use: accuracy, or entity F1."""
    return metrics["accuracy"] if task == "classification" else metrics["f1"]
