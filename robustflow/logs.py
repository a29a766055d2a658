"""Logging for Snakemake jobs: everything to the rule's log file, user errors as one clear line."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import Iterator

from robustflow.errors import RobustflowError


@contextlib.contextmanager
def job_logging(log_path: str | Path | None, level: int = logging.INFO) -> Iterator[logging.Logger]:
    """Send logging to ``log_path`` (and stderr); a RobustflowError ends the job with its message only.

    Bugs keep their traceback; a user's mistake (bad file, config or missing resource) does not need one.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        Path(log_path).write_text("", encoding="utf-8")
        # Append mode: libraries that call logging.config.dictConfig (TextAttack, flair) close every
        # handler; a "w" FileHandler then drops all later records, an "a" one reopens its file.
        handlers.append(logging.FileHandler(log_path, mode="a", encoding="utf-8"))
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True)
    log = logging.getLogger("robustflow")
    try:
        yield log
    except RobustflowError as exc:
        log.error("%s: %s", type(exc).__name__, exc)
        logging.shutdown()
        sys.exit(1)
    except Exception:  # a bug: its traceback in the rule's log too (Snakemake names the log, not stderr)
        log.exception("the job failed on an unexpected error (a bug; the traceback follows)")
        logging.shutdown()
        raise
