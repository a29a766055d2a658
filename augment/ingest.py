"""Ingest stage: read a dataset's sources into train/dev/test Parquet files with stable ids."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from augment.common.atomic import write_json
from augment.common.errors import DataError
from augment.io import iob
from augment.io.artifacts import write_rows
from augment.io.read_split import read_split
from augment.io.spec import SPLITS, DatasetSpec
from augment.io.splits import carve

log = logging.getLogger(__name__)


def label_counts(rows: list[dict], task: str) -> dict[str, int]:
    """Rows per label (classification) or entity mentions per type (NER)."""
    if task == "ner":
        counts = Counter(t for r in rows for t, _, _ in iob.spans(iob.repair(r["tags"])))
    else:
        counts = Counter(r["label"] for r in rows)
    return dict(sorted(counts.items()))


def read_dataset(spec: DatasetSpec) -> tuple[dict[str, list[dict]], dict]:
    provided = list(spec.hub["splits"]) if spec.kind == "hub" else list(spec.files)
    splits, report = {}, {"dataset": spec.name, "task": spec.task, "sources": {}}
    for role in SPLITS:
        if role in provided:
            log.info("reading %s split of %s", role, spec.name)
            got = read_split(spec, role, spec.files.get(role))
            splits[role], report["sources"][role] = got.rows, got.info
    missing = {name: spec.split[name] for name in ("test", "dev") if name not in splits}
    if missing:
        train = splits["train"]
        stratify = spec.task == "classification" and spec.split["stratify"]
        keys = [r["label"] for r in train] if stratify else [0] * len(train)
        parts = carve(keys, missing, spec.seed)
        for name in missing:
            if not parts[name]:
                raise DataError(
                    f"datasets.{spec.name}: carving {name} ({missing[name]:.0%} of {len(train)} train rows) gives no rows. "
                    f"Fix: raise `datasets.{spec.name}.split.{name}` or provide a {name} file."
                )
        splits = {**splits, **{name: [train[i] for i in idx] for name, idx in parts.items()}}
        report["carved"] = {"from": "train", "fractions": missing, "stratified": stratify, "seed": spec.seed}
    report["splits"] = {name: {"rows": len(splits[name]), "labels": label_counts(splits[name], spec.task)} for name in SPLITS}
    return splits, report


def run_ingest(spec: DatasetSpec, outputs: dict[str, str | Path], report_path: str | Path) -> dict:
    splits, report = read_dataset(spec)
    for name in SPLITS:
        write_rows(outputs[name], splits[name], spec.task)
        log.info("%s: %d rows -> %s", name, len(splits[name]), outputs[name])
    write_json(report_path, report)
    return report
