"""The merge job of an attack: every shard's records back in slice order, and their summary."""

from __future__ import annotations

import logging

from augment.attacks.results import attack_summary
from augment.attacks.shards import merge_order
from robustflow.atomic import write_json, write_jsonl
from robustflow.rows import read_jsonl

log = logging.getLogger(__name__)


def merge_attack_shards(shard_paths: list[str], out_records: str, out_summary: str) -> dict:
    """All shards' records in slice order, and their summary."""
    records = merge_order([read_jsonl(p) for p in shard_paths])
    summary = attack_summary(records)
    write_jsonl(out_records, records)
    write_json(out_summary, summary)
    log.info("%d examples: %d successful, %d failed, %d skipped", summary["examples"], summary["success"],
             summary["failed"], summary["skipped"])
    return summary
