"""Import TextAttack offline: no nltk downloads, no progress bars in job logs."""

from __future__ import annotations

import logging
import os
from pathlib import Path


def import_textattack():
    """``import textattack`` without its first-import nltk downloads (unreachable offline).

    TextAttack downloads nltk corpora on first import unless its post-install marker exists; the
    corpora it needs (WordNet, stopwords) come from the tree setup.sh builds, so the marker is safe.
    TA_CACHE_DIR is not set here: setting it rewrites the Hugging Face cache variables in-process.
    """
    cache = Path(os.environ.get("TA_CACHE_DIR", Path.home() / ".cache" / "textattack"))
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "post_install_check_3").touch()
    os.environ.setdefault("TQDM_DISABLE", "1")  # AttackArgs(silent=True) still draws bars
    # TextAttack's first import calls logging.config.dictConfig, which disables every logger that
    # exists by then: the job's progress lines would silently stop reaching its log.
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {id(lg): lg.disabled for lg in loggers}
    import textattack

    for lg in loggers:
        lg.disabled = disabled[id(lg)]
    return textattack
