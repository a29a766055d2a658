"""Readers for CSV, TSV, JSONL and Parquet records (classification rows or NER token lists).

Each reader yields ``(line, record)`` where ``record`` maps column -> value and ``line`` is the
1-based line (row for Parquet) where the record starts, so later errors can point at it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator

from robustflow.errors import DataError, visible
from prepare.readers.files import check_file, read_text

Record = dict[object, object]


def iter_delimited(path: Path, delimiter: str, encoding: str, header: bool) -> Iterator[tuple[int, Record]]:
    """CSV/TSV with strict quoting; a row with the wrong number of fields stops with its line."""
    text = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    names: list | None = None
    start, count = 1, 0
    shown = "\\t" if delimiter == "\t" else delimiter
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row:  # a blank line holds no record
                continue
            if names is None:
                names = row if header else list(range(len(row)))
                if header:
                    _check_header(path, line, row)
                    continue
            if len(row) != len(names):
                raise DataError(
                    f"{path}, line {line}: {len(row)} fields, but {'the header has' if header else 'the first row has'} "
                    f"{len(names)}. Fix: quote fields that contain the delimiter {shown!r} (\"a{shown} b\"), "
                    "or set `source.delimiter` / `source.format` to the file's real layout."
                )
            count += 1
            yield line, dict(zip(names, row))
    except csv.Error as exc:
        # `start`: where the broken record began (an unclosed quote runs on to the end of the file,
        # where the reader stops).
        raise DataError(
            f"{path}, line {start}: malformed {'TSV' if delimiter == chr(9) else 'CSV'} ({exc}) in the record "
            f"that starts there. "
            'Fix: close every opening quote and double quotes inside quoted fields ("say ""hi"""), '
            "or set `source.format` if the file is not delimited."
        ) from None
    if count == 0:
        raise DataError(f"{path}: no data rows{' after the header' if names else ''}. Fix: check the export that wrote it.")


def _check_header(path: Path, line: int, names: list[str]) -> None:
    """Two columns with one name: a reader would keep only the last of them, silently."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise DataError(
                f"{path}, line {line}: the header names column '{visible(name)}' twice (columns {seen[name]} and "
                f"{position}); a reader would keep only the last. Fix: rename one of them in the file."
            )
        seen[name] = position


def _unique_keys(path: Path, line: int, pairs: list[tuple[str, object]]) -> dict:
    record: dict = {}
    for key, value in pairs:
        if key in record:
            raise DataError(f"{path}, line {line}: key '{visible(key)}' appears twice in one object; JSON readers keep "
                            "only the last. Fix: remove or rename one of them.")
        record[key] = value
    return record


def iter_jsonl(path: Path, encoding: str) -> Iterator[tuple[int, Record]]:
    text = read_text(path, encoding)
    seen = False
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, object_pairs_hook=lambda pairs: _unique_keys(path, line_no, pairs))
        except json.JSONDecodeError as exc:
            raise DataError(
                f"{path}, line {line_no}: not valid JSON ({exc.msg} at column {exc.colno}). "
                "Fix: one JSON object per line (JSON Lines), no trailing commas, strings in double quotes."
            ) from None
        if not isinstance(record, dict):
            raise DataError(f"{path}, line {line_no}: expected a JSON object ({{...}}), got {type(record).__name__}.")
        seen = True
        yield line_no, record
    if not seen:
        raise DataError(f"{path}: no JSON records (only blank lines). Fix: check the export that wrote it.")


def iter_parquet(path: Path) -> Iterator[tuple[int, Record]]:
    import pyarrow.parquet as pq

    check_file(path)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged or non-Parquet file
        raise DataError(f"{path}: not a readable Parquet file ({exc}). Fix: check `source.format` and the file.") from None
    if table.num_rows == 0:
        raise DataError(f"{path}: the Parquet file has no rows.")
    for i, record in enumerate(table.to_pylist(), start=1):
        yield i, record


def require_columns(path: Path, line: int, record: Record, columns: dict[str, object], option: str = "columns") -> None:
    """Stop at the first record lacking a configured column, listing the columns the file has."""
    for role, name in columns.items():
        if name is not None and name not in record:
            have = ", ".join(map(repr, record)) or "none"
            raise DataError(
                f"{path}, line {line}: column {name!r} (the {role} column) not found; the file has {have}. "
                f"Fix: set `{option}.{role}` for this dataset to one of those."
            )
