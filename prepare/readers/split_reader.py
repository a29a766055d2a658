"""Read one source split of a dataset (a file or a hub split) into rows with stable ids."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from prepare.readers.conll import read_conll
from prepare.readers.hub import iter_hub
from prepare.readers.tabular import iter_delimited, iter_jsonl, iter_parquet, require_columns
from prepare.spec import DatasetSpec
from robustflow import iob
from robustflow.errors import DataError

log = logging.getLogger(__name__)


@dataclass
class SplitRead:
    rows: list[dict]
    info: dict = field(default_factory=dict)  # what the ingest report says about this source


def _records(spec: DatasetSpec, role: str, path: str | None):
    if spec.kind == "hub":
        hub = spec.hub
        return f"hub:{hub['name']}[{hub['splits'][role]}]", "hub", iter_hub(hub["name"], hub["splits"][role], hub["config"], hub["revision"])
    fmt = spec.file_format(path)
    p = Path(path)
    if fmt == "csv":
        it = iter_delimited(p, spec.delimiter or ",", spec.encoding, spec.header)
    elif fmt == "tsv":
        it = iter_delimited(p, spec.delimiter or "\t", spec.encoding, spec.header)
    elif fmt == "jsonl":
        it = iter_jsonl(p, spec.encoding)
    elif fmt == "parquet":
        it = iter_parquet(p)
    else:
        raise DataError(f"{path}: format {fmt!r} holds no records for task {spec.task}.")
    return str(path), fmt, it


def _with_ids(rows: list[dict], role: str, source: str) -> list[dict]:
    width = max(6, len(str(len(rows))))
    for n, row in enumerate(rows, start=1):
        row["id"] = f"{role}-{n:0{width}d}"
        row["source_file"] = source
    return rows


def _normalise_tags(spec: DatasetSpec, rows: list[dict], source: str) -> dict:
    """Convert a file's tags to IOB2; report the detected scheme and how many tags changed."""
    evidence = iob.scheme_evidence(r["tags"] for r in rows)
    scheme = evidence["scheme"] if spec.tag_scheme == "auto" else spec.tag_scheme
    changed = 0
    for row in rows:
        try:
            new = iob.to_iob2(row["tags"], scheme)
        except ValueError as exc:
            raise DataError(
                f"{source}, line {row['source_line']}: {exc}. Fix: set `datasets.{spec.name}.tag_scheme` "
                f"to the file's scheme (detected: {evidence['scheme']}) or to auto."
            ) from None
        changed += sum(a != b for a, b in zip(row["tags"], new))
        row["tags"] = new
    return {"tag_scheme": scheme, "tag_scheme_configured": spec.tag_scheme, "scheme_evidence": evidence,
            "tags_converted_to_iob2": changed}


def read_split(spec: DatasetSpec, role: str, path: str | None = None) -> SplitRead:
    if spec.kind != "hub" and spec.file_format(path) == "conll":  # an NER format (config checks)
        conll = read_conll(path, spec.conll["token_column"], spec.conll["tag_column"], spec.conll["delimiter"],
                           spec.conll["docstart"], spec.encoding, spec.label_map)
        rows = [{"tokens": s.tokens, "tags": s.tags, "source_line": s.line} for s in conll.sentences]
        info = {"source": str(path), "format": "conll", "documents": conll.documents, "columns": conll.columns,
                "invisible_lines": conll.invisible_lines}
        if conll.invisible_lines:
            log.warning("%s: %d line(s) held only invisible characters (BOM, zero-width or control); read as "
                        "sentence breaks", path, conll.invisible_lines)
        source = str(path)
    else:
        source, fmt, records = _records(spec, role, path)
        wanted = spec.task.record_columns(spec.columns)
        rows = []
        for line, record in records:
            require_columns(Path(source), line, record, wanted)
            row = spec.task.row_from_record(record, source, line, wanted, spec.label_map)
            row["source_line"] = line
            rows.append(row)
        info = {"source": source, "format": fmt}
    info["rows"] = len(rows)
    info.update(spec.task.finish_split(rows, lambda read: _normalise_tags(spec, read, source)))
    return SplitRead(rows=_with_ids(rows, role, source), info=info)
