"""Ingest stage: read a dataset's sources into train/dev/test Parquet files with stable ids."""

from __future__ import annotations

import logging
from pathlib import Path

from prepare.readers.split_reader import read_split
from prepare.spec import DatasetSpec
from prepare.splits import carve
from robustflow.atomic import write_json
from robustflow.errors import DataError
from robustflow.rows import SPLITS, write_rows

log = logging.getLogger(__name__)


def read_dataset(spec: DatasetSpec) -> tuple[dict[str, list[dict]], dict]:
    provided = list(spec.hub["splits"]) if spec.kind == "hub" else list(spec.files)
    splits, report = {}, {"dataset": spec.name, "task": spec.task.name, "sources": {}}
    for role in SPLITS:
        if role in provided:
            log.info("reading %s split of %s", role, spec.name)
            got = read_split(spec, role, spec.files.get(role))
            splits[role], report["sources"][role] = got.rows, got.info
    missing = {name: spec.split[name] for name in ("test", "dev") if name not in splits}
    if missing:
        train = splits["train"]
        stratify = spec.task.can_stratify and spec.split["stratify"]
        keys = [spec.task.label_key(r) for r in train] if stratify else [0] * len(train)
        contents = [spec.task.content_key(r) for r in train]
        parts = carve(keys, missing, spec.seed, groups=contents)
        for name in missing:
            if not parts[name]:
                raise DataError(
                    f"datasets.{spec.name}: carving {name} ({missing[name]:.0%} of {len(train)} train rows) gives no rows. "
                    f"Fix: raise `datasets.{spec.name}.split.{name}` or provide a {name} file."
                )
        splits = {**splits, **{name: [train[i] for i in idx] for name, idx in parts.items()}}
        shared = len(contents) - len(set(contents))
        report["carved"] = {"from": "train", "fractions": missing, "stratified": stratify, "seed": spec.seed,
                            "kept_together": "rows with the same normalised text (duplicates, conflicting labels) "
                                             "go to one split, where cleaning resolves them",
                            "rows_sharing_a_text": shared}
    report["splits"] = {name: {"rows": len(splits[name]), "labels": spec.task.label_counts(splits[name])}
                        for name in SPLITS}
    return splits, report


def run_ingest(spec: DatasetSpec, outputs: dict[str, str | Path], report_path: str | Path) -> dict:
    splits, report = read_dataset(spec)
    for name in SPLITS:
        write_rows(outputs[name], splits[name], spec.task)
        log.info("%s: %d rows -> %s", name, len(splits[name]), outputs[name])
    write_json(report_path, report)
    return report
