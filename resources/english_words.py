"""English words with their frequencies: pyspellchecker's packaged list (a PyPI package: 160k words
counted in subtitles and Wikipedia, so it installs offline). The spelling defence's dictionary and
the word forms of resources/word_forms.py (a real-word check) read it."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

from robustflow.errors import ResourceError


@functools.lru_cache(maxsize=1)
def packaged_frequencies() -> dict[str, int]:
    """Lower-cased word -> count (read once a process; callers must not change it)."""
    try:
        import spellchecker
    except ImportError:
        raise ResourceError("the English word list `pyspellchecker` (the spelling defence's dictionary, the real-word "
                            "check of word forms) needs the pyspellchecker package. Fix: `pip install "
                            "pyspellchecker==0.9.1` (setup.sh installs it), or set the spelling defence's `dictionary` "
                            "to a word list file.") from None
    path = Path(spellchecker.__file__).parent / "resources" / "en.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {word.lower(): int(count) for word, count in json.load(f).items()}
