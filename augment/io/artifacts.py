"""Split files between stages: Parquet with a fixed schema per task, written atomically."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from augment.common.atomic import atomic_path

_PROVENANCE = [pa.field("source_file", pa.string()), pa.field("source_line", pa.int64())]
SCHEMAS = {
    "classification": pa.schema([pa.field("id", pa.string()), pa.field("text", pa.string()),
                                 pa.field("text_pair", pa.string()), pa.field("label", pa.string()), *_PROVENANCE]),
    "ner": pa.schema([pa.field("id", pa.string()), pa.field("tokens", pa.list_(pa.string())),
                      pa.field("tags", pa.list_(pa.string())), *_PROVENANCE]),
}
# Rows made by a stage (augmentation, attacks) also say where they came from.
DERIVED = [pa.field("parent_id", pa.string()), pa.field("source", pa.string()), pa.field("params", pa.string()),
           pa.field("seed", pa.int64())]


def write_rows(path: str | Path, rows: list[dict], task: str, derived: bool = False) -> None:
    schema = pa.schema([*SCHEMAS[task], *DERIVED]) if derived else SCHEMAS[task]
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_rows(path: str | Path) -> list[dict]:
    return pq.read_table(path).to_pylist()
