"""Turn raw records (column -> value) into robustflow rows, with errors that point at the record."""

from __future__ import annotations

from augment.common.errors import DataError
from augment.io.iob import parse_tag


def as_text(value: object, path: object, line: int, field: str) -> str:
    """Strings pass, numbers become text, a missing value is empty (the cleaning stage counts it)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    raise DataError(f"{path}, line {line}, field {field!r}: expected text, got {type(value).__name__} {str(value)[:60]!r}.")


def classification_row(record: dict, path: object, line: int, columns: dict, label_map: dict) -> dict:
    text = as_text(record[columns["text"]], path, line, str(columns["text"]))
    pair_col = columns.get("text_pair")
    pair = as_text(record[pair_col], path, line, str(pair_col)) if pair_col is not None else None
    label = as_text(record[columns["label"]], path, line, str(columns["label"])).strip()
    return {"text": text, "text_pair": pair, "label": label_map.get(label, label)}


def _string_list(value: object, path: object, line: int, field: str) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise DataError(f"{path}, line {line}, field {field!r}: expected a list, got {type(value).__name__}. "
                        "Fix: store tokens and tags as JSON arrays.")
    return [as_text(v, path, line, field) for v in value]


def ner_row(record: dict, path: object, line: int, columns: dict, label_map: dict) -> dict:
    tokens = _string_list(record[columns["tokens"]], path, line, str(columns["tokens"]))
    tags = [label_map.get(t, t) for t in _string_list(record[columns["tags"]], path, line, str(columns["tags"]))]
    for position, tag in enumerate(tags):
        try:
            parse_tag(tag)
        except ValueError as exc:
            raise DataError(f"{path}, line {line}, field {columns['tags']!r}, tag {position}: {exc}") from None
    return {"tokens": tokens, "tags": tags}
