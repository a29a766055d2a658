"""Open input files with errors a user can act on (missing, a directory, empty, wrong encoding)."""

from __future__ import annotations

from pathlib import Path

from robustflow.errors import DataError


def check_file(path: str | Path, what: str = "input file") -> Path:
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a file. Fix: point the config at the {what} inside it.")
    if not path.exists():
        raise DataError(f"{path}: {what} not found (relative paths start at the working directory {Path.cwd()}).")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the {what} is empty (0 bytes). Fix: check the export that wrote it.")
    return path


def read_text(path: str | Path, encoding: str) -> str:
    """Decode a whole file; a bad byte is reported with its line and the `encoding` option to set."""
    path = check_file(path)
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except LookupError:
        raise DataError(f"{path}: unknown encoding {encoding!r}. Fix: set `source.encoding` to e.g. utf-8 or latin-1.") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: byte {data[exc.start:exc.start + 1]!r} is not valid {encoding} ({exc.reason}). "
            "Fix: set `source.encoding` for this dataset to the file's real encoding (e.g. latin-1, cp1252, utf-16)."
        ) from None
    return text.removeprefix("\ufeff")  # a BOM is not data, whichever utf-8 variant was configured
