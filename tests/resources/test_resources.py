from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from robustflow.atomic import atomic_path, write_json
from robustflow.errors import ResourceError
from resources import nltk_data


@pytest.mark.skipif(not nltk_data.DEBIAN_WORDNET.is_dir(), reason="Debian wordnet-base not installed (setup.sh installs it)")
def test_nltk_tree_from_debian_wordnet_loads_with_nltk(tmp_path):
    # WordNet and the stop words only: the part-of-speech tagger that build_all trains too (minutes)
    # is the one setup.sh built, tested in tests/resources/test_resources_pos.py
    nltk_data.build_wordnet(tmp_path)
    nltk_data.build_stopwords(tmp_path)
    code = textwrap.dedent(f"""
        import nltk
        nltk.data.path[:] = [{str(tmp_path)!r}]
        from nltk.corpus import wordnet as wn, stopwords
        print(len(list(wn.all_synsets())), wn.morphy("dogs"), "the" in stopwords.words("english"))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["117659", "dog", "True"]
    assert len(nltk_data.lexnames_text().splitlines()) == 45


def test_missing_wordnet_says_which_package_to_install(tmp_path):
    with pytest.raises(ResourceError, match="apt-get install -y wordnet-base wordnet-sense-index"):
        nltk_data.build_wordnet(tmp_path / "out", source=tmp_path / "nowhere")


def test_atomic_write_leaves_nothing_when_the_writer_fails(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    write_json(target, {"b": 1, "a": [1]})
    assert target.read_text() == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


def test_a_killed_writer_never_leaves_a_complete_looking_file(tmp_path):
    target = tmp_path / "big.parquet"
    code = textwrap.dedent(f"""
        import time
        from robustflow.atomic import atomic_path
        with atomic_path({str(target)!r}) as tmp:
            tmp.write_text("partial")
            print("writing", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()


def test_fast_wordnet_load_gives_the_same_synonyms_as_nltks_own():
    """load_wordnet skips nltk's OMW identity map for WordNet 3.0; English lookups must not change."""
    code = textwrap.dedent("""
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader
        from resources.wordnet import load_wordnet
        wn = load_wordnet("this test")
        reference = WordNetCorpusReader(nltk.data.find("corpora/wordnet"), None)
        assert wn.map30 is None and reference.map30, "nltk still maps 3.0 onto itself?"
        assert WordNetCorpusReader.map_wn.__name__ == "map_wn" and WordNetCorpusReader.map_wn.__qualname__.startswith("WordNetCorpusReader")
        for word in ["good", "movie", "bank", "run", "quickly", "funny", "dull", "plot", "actor", "boring"]:
            ours = [(s.name(), [l.name() for l in s.lemmas()]) for s in wn.synsets(word)]
            theirs = [(s.name(), [l.name() for l in s.lemmas()]) for s in reference.synsets(word)]
            assert ours == theirs and ours, word
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "ok", proc.stderr[-2000:]
