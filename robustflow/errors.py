"""The one exception family for errors a user can cause and fix.

Messages name the file, the line/row or key, and the fix; Snakemake shows them as the job's error.
"""

from __future__ import annotations


class RobustflowError(Exception):
    """Base class: a problem with the user's input, config or environment, not a bug."""


class ConfigError(RobustflowError):
    """The config has a bad key or value."""


class DataError(RobustflowError):
    """An input file is missing, malformed or holds bad values."""


class ResourceError(RobustflowError):
    """A model, corpus, package or download the run needs is unavailable."""


def where(path: object, line: int | None = None, field: str | None = None) -> str:
    """Format a location as `file, line N, field 'x'` for error messages."""
    parts = [str(path)]
    if line is not None:
        parts.append(f"line {line}")
    if field is not None:
        parts.append(f"field {field!r}")
    return ", ".join(parts)


def visible(text: object) -> str:
    """``text`` with the characters a terminal does not show escaped (U+FEFF as ``\\ufeff``, a
    no-break space as ``\\xa0``, a tab as ``\\t``): an error that quotes a line or token must show
    what is really there. Printable characters and the plain space stay as they are."""
    return "".join(ch if ch == " " or ch.isprintable() else repr(ch)[1:-1] for ch in str(text))
