"""Row files between stages: Parquet with a fixed schema per task, written atomically; attack
records as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from robustflow.atomic import atomic_path
from robustflow.tasks import Task, task_for

SPLITS = ("train", "dev", "test")
_PROVENANCE = [pa.field("source_file", pa.string()), pa.field("source_line", pa.int64())]
# Rows made by a stage (augmentation, attacks) also say where they came from.
DERIVED = [pa.field("parent_id", pa.string()), pa.field("source", pa.string()), pa.field("params", pa.string()),
           pa.field("seed", pa.int64())]


def schema(task: Task, derived: bool = False) -> pa.Schema:
    return pa.schema([pa.field("id", pa.string()), *task.arrow_fields(), *_PROVENANCE, *(DERIVED if derived else [])])


def write_rows(path: str | Path, rows: list[dict], task: Task | str, derived: bool = False) -> None:
    fields = schema(task_for(task), derived)
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in fields} for r in rows], schema=fields)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_rows(path: str | Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
