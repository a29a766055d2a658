"""WordNet from the nltk data path, loaded in about half of nltk's time.

On every load nltk (3.9, 3.10) maps the OMW's WordNet-3.0 synset offsets onto the loaded WordNet,
and its version check compares "3.0" with the string "wordnet", so it never skips: for the 3.0
that setup.sh installs it builds an identity map, about 7 of the 13 s a load takes on 2 cores,
paid by every augment, suite and attack job that swaps synonyms. The map only serves other
languages' WordNets (OMW), which are not installed; other WordNet versions keep nltk's behaviour.
"""

from __future__ import annotations

from robustflow.errors import ResourceError


def load_wordnet(needed_by: str):
    """nltk's ``wordnet`` reader, loaded; a clear error naming ``needed_by`` when it is missing."""
    from nltk.corpus import wordnet
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    original = WordNetCorpusReader.map_wn

    def map_wn(self, version="wordnet"):
        return None if self.get_version() == "3.0" else original(self, version)

    WordNetCorpusReader.map_wn = map_wn
    try:
        wordnet.ensure_loaded()
    except LookupError:
        raise ResourceError(
            f"{needed_by} needs WordNet in the nltk data path. Fix: run `bash setup.sh` (it builds .venv/nltk_data "
            "from Debian's wordnet-base), or set NLTK_DATA to a folder holding corpora/wordnet."
        ) from None
    finally:
        WordNetCorpusReader.map_wn = original
    return wordnet
