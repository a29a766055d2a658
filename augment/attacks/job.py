"""The attack jobs: one shard of one attack, the merge of its shards, the adversarial training set."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import torch

from augment.attacks.shards import attack_slice, shard
from augment.common.atomic import write_json, write_jsonl
from augment.io.artifacts import read_rows, write_rows

log = logging.getLogger(__name__)


def pick_device(device: str) -> str:
    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


def run_attack_shard(task: str, recipe: str, settings: dict, model_dir: str, rows_path: str, purpose: str,
                     max_examples: int | None, shard_index: int, shards: int, seed: int, batch_size: int,
                     device: str, out_path: str, pools_path: str | None = None) -> list[dict]:
    rows = shard(attack_slice(read_rows(rows_path), max_examples, seed, purpose), shard_index, shards)
    log.info("%s on %s: shard %d of %d, %d rows", recipe, purpose, shard_index + 1, shards, len(rows))
    if task == "ner":
        from augment.attacks.run import attack_tagger
        from augment.augmenters.mentions import mention_pools

        pools = mention_pools(read_rows(pools_path)) if settings["type"] == "mention_swap" else None
        records = attack_tagger(rows, recipe, settings, model_dir, None, seed, pools, batch_size, pick_device(device))
    else:
        from augment.attacks.run import attack_classifier

        records = attack_classifier(rows, recipe, settings, model_dir, None, seed, batch_size, pick_device(device))
    write_jsonl(out_path, records)
    return records


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def attack_summary(records: list[dict]) -> dict:
    """Success rate over attempted examples (the model was right), accuracy under attack over all."""
    status = Counter(r["status"] for r in records)
    attempted = status["success"] + status["failed"]
    successes = [r for r in records if r["status"] == "success"]
    return {"examples": len(records), "success": status["success"], "failed": status["failed"],
            "skipped": status["skipped"], "success_rate": status["success"] / attempted if attempted else 0.0,
            "mean_perturbed_ratio": sum(r["perturbed_ratio"] for r in successes) / len(successes) if successes else 0.0,
            "mean_queries": sum(r["queries"] for r in records if r["status"] != "skipped") / attempted if attempted else 0.0}


def merge_attack_shards(shard_paths: list[str], out_records: str, out_summary: str) -> dict:
    """All shards' records in slice order (shard k holds rows k, k+N, ...), and their summary."""
    parts = [read_jsonl(p) for p in shard_paths]
    records = [parts[i % len(parts)][i // len(parts)] for i in range(sum(map(len, parts)))]
    summary = attack_summary(records)
    write_jsonl(out_records, records)
    write_json(out_summary, summary)
    log.info("%d examples: %d successful, %d failed, %d skipped", summary["examples"], summary["success"],
             summary["failed"], summary["skipped"])
    return summary


def adversarial_rows(task: str, records: list[dict], seed: int) -> list[dict]:
    rows = []
    for r in records:
        if r["status"] != "success":
            continue
        body = ({"text": r["perturbed_text"], "label": r["label"]} if task == "classification"
                else {"tokens": r["perturbed_tokens"], "tags": r["perturbed_tags"]})
        params = json.dumps({"changed_words": r["changed_words"], "queries": r["queries"]}, sort_keys=True)
        rows.append({"id": f"{r['id']}~{r['recipe']}", **body, "parent_id": r["id"], "source": r["recipe"],
                     "params": params, "seed": seed})
    return rows


def build_adversarial_trainset(task: str, clean_train: str, record_paths: dict[str, str], seed: int, out_train: str,
                               out_report: str) -> dict:
    clean = read_rows(clean_train)
    added = {recipe: adversarial_rows(task, read_jsonl(path), seed) for recipe, path in record_paths.items()}
    rows = clean + [row for recipe in record_paths for row in added[recipe]]
    write_rows(out_train, rows, task, derived=True)
    report = {"clean_rows": len(clean), "adversarial_rows": {k: len(v) for k, v in added.items()}, "rows": len(rows)}
    write_json(out_report, report)
    log.info("clean+adversarial training set: %d clean + %s", len(clean), report["adversarial_rows"])
    return report
