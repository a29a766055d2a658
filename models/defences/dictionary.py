"""Where a spelling defence's dictionary comes from: pyspellchecker's English word frequencies (a
PyPI package: 160k words counted in subtitles and Wikipedia, so it installs offline), a word list
of the user's, and the words of the training split (a domain's names and jargon)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from models.defences.spelling import one_edit
from resources.english_words import packaged_frequencies
from robustflow.errors import ResourceError

PACKAGED = "pyspellchecker"
_ENTRY = re.compile(r"^([^\t ]+)(?:[\t ]+(\d+))?$")


def file_frequencies(path: str) -> dict[str, int]:
    """A word list: one word a line, optionally followed by a count (tab or space); # comments."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ResourceError(f"the spelling defence's dictionary {path!r} does not exist. Fix: point `dictionary` at "
                            "a word list (one word a line, optionally `word<TAB>count`), or use `pyspellchecker`.")
    out: dict[str, int] = {}
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _ENTRY.match(line)
        if not match:
            raise ResourceError(f"{path}, line {n}: {line[:60]!r} is not `word` or `word<TAB>count`. Fix: one word a "
                                "line, with an optional whole-number count after a tab.")
        out[match.group(1).lower()] = out.get(match.group(1).lower(), 0) + int(match.group(2) or 1)
    return out


# A word the training split writes in lower case vouches for itself, unless the split uses a word one
# edit away this many times as often (weighed by the chance of the edit): then it is as likely a typo
# or a fragment in the data ("o" once against "of" 3,718 times on CoNLL-2003) as a domain word ("lbs"
# twice against "lb" 18 times; the cricket scores' "c" against "a", a letter apart).
OUTNUMBERED = 100


def dictionary(source: str, training_words: Iterable[str] = ()) -> tuple[dict[str, int], frozenset[str]]:
    """(known word -> count, the protected words): the source's counts plus the training words'
    counts (a word the source lacks counts only what the training split has, so it ranks below
    common words). Protected are the words the training split writes in lower case, unless a word
    one edit away outnumbers them there (OUTNUMBERED): a name "Te" does not make "te" a word."""
    counts = dict(packaged_frequencies()) if source == PACKAGED else file_frequencies(source)  # the list is shared
    written = Counter(training_words)
    for word, n in Counter(w.lower() for w in written.elements()).items():
        counts[word] = counts.get(word, 0) + n
    lower = {w: n for w, n in written.items() if w == w.lower()}
    protected = frozenset(w for w, n in lower.items()  # weighed by the chance of the edit, as corrections are
                          if max((lower.get(near, 0) * chance for near, chance in one_edit(w).items()), default=0)
                          < OUTNUMBERED * n)
    return counts, protected
