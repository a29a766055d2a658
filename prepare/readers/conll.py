"""CoNLL reader: one token per line, columns split on whitespace (or a delimiter), blank lines
between sentences, `-DOCSTART-` lines between documents (not sentences)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from robustflow.errors import DataError, visible
from robustflow.iob import parse_tag
from prepare.readers.files import read_text


@dataclass
class ConllSentence:
    line: int  # line of the first token
    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass
class ConllFile:
    sentences: list[ConllSentence]
    documents: int  # -DOCSTART- separators seen
    columns: int  # fields per token line
    invisible_lines: int = 0  # lines of only invisible characters (a stray BOM, zero-width spaces): sentence breaks


def is_invisible(line: str) -> bool:
    """Blank, or only whitespace, format (Cf: BOM, zero-width space) and control characters."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc") for ch in line)


def read_conll(
    path: str | Path,
    token_column: int = 0,
    tag_column: int = -1,
    delimiter: str | None = None,
    docstart: str = "-DOCSTART-",
    encoding: str = "utf-8",
    label_map: dict[str, str] | None = None,
) -> ConllFile:
    path = Path(path)
    text = read_text(path, encoding)
    label_map = label_map or {}
    sentences: list[ConllSentence] = []
    current: ConllSentence | None = None
    width: int | None = None
    width_line = 0
    documents = 0
    invisible = 0
    # split("\n"), not splitlines(): the latter also breaks on \x1c, \x85 and \u2028 inside tokens.
    for line_no, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        fields = line.split(delimiter) if delimiter else line.split()
        if is_invisible(line):
            invisible += bool(line.strip())  # not counted: the ordinary empty line
            current = None
            continue
        if fields[0] == docstart:
            documents += 1
            current = None
            continue
        if width is None:
            width, width_line = len(fields), line_no
        if len(fields) != width:
            raise DataError(
                f"{path}, line {line_no}: {len(fields)} columns, but line {width_line} has {width} "
                f"(line {line_no} reads \"{visible(line)}\"). "
                "Fix: every token line needs the same columns (a token with a space inside? set `conll.delimiter`, "
                "e.g. to a tab, if the file is tab-separated)."
            )
        try:
            token, tag = fields[token_column], fields[tag_column]
        except IndexError:
            raise DataError(
                f"{path}, line {line_no}: {len(fields)} columns, so token column {token_column} / tag column "
                f"{tag_column} do not exist. Fix: set `conll.token_column` and `conll.tag_column`."
            ) from None
        tag = label_map.get(tag, tag)
        try:
            parse_tag(tag)
        except ValueError as exc:
            raise DataError(f"{path}, line {line_no}, field 'tag': {exc}") from None
        if current is None:
            current = ConllSentence(line=line_no)
            sentences.append(current)
        current.tokens.append(token)
        current.tags.append(tag)
    if not sentences:
        raise DataError(f"{path}: no token lines found (only blank or {docstart} lines). Fix: check the file.")
    return ConllFile(sentences=sentences, documents=documents, columns=width or 0, invisible_lines=invisible)
