"""Token-level augmentation throughput on one core, against nlpaug's own augmenters.

For 10,000 sentences (the cleaned MR train split, cycled) each augmenter type runs through
robustflow's `augment_rows` (per-row seeds, per-token edits, dedup, stats) and, as the reference,
through the equivalent nlpaug augmenter's `augment()` on the whole text, in the same process.
Prints sentences/s and the ratio ours/nlpaug (median of --repeats runs).

Run after `snakemake --cores all` (it reads results/clean/mr/train.parquet), or pass --data.
    python bench/token_augmentation.py [--sentences 10000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import nlpaug.augmenter.char as nac  # noqa: E402
import nlpaug.augmenter.word as naw  # noqa: E402
import torch  # noqa: E402

from augment.augmenters.augment_split import augment_rows  # noqa: E402
from augment.augmenters.spec import AugmenterSpec  # noqa: E402
from robustflow.config import augmenter_settings  # noqa: E402
from robustflow.rows import read_rows  # noqa: E402

WS = dict(tokenizer=str.split, reverse_tokenizer=" ".join)


def reference(kind: str):
    """The nlpaug augmenter a user would otherwise call on whole texts (same probabilities)."""
    char = dict(aug_char_p=0.1, aug_word_p=0.1, aug_word_max=3, **WS)
    word = dict(aug_p=0.1, aug_max=3, **WS)
    return {
        "keyboard": lambda: nac.KeyboardAug(**char),
        "ocr": lambda: nac.OcrAug(**char),
        "char_insert": lambda: nac.RandomCharAug(action="insert", **char),
        "char_substitute": lambda: nac.RandomCharAug(action="substitute", **char),
        "char_swap": lambda: nac.RandomCharAug(action="swap", **char),
        "char_delete": lambda: nac.RandomCharAug(action="delete", **char),
        "spelling": lambda: naw.SpellingAug(**word),
        "word_swap": lambda: naw.RandomWordAug(action="swap", **word),
        "word_delete": lambda: naw.RandomWordAug(action="delete", **word),
        "synonym": None,  # nlpaug's SynonymAug needs an nltk POS tagger that no registry ships
        "glove": None,  # nlpaug's WordEmbsAug needs GloVe as a text file; ours reads the packaged matrix
        "eda": textattack_eda,
    }[kind]


class TextAttackEDA:
    """TextAttack's EasyDataAugmenter, one augmented text per input (the reference for our native EDA)."""

    def __init__(self):
        cache = Path(os.environ.get("TA_CACHE_DIR", os.path.expanduser("~/.cache/textattack")))
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "post_install_check_3").touch()  # skip TextAttack's first-import nltk downloads
        from textattack.augmentation import EasyDataAugmenter

        self._aug = EasyDataAugmenter(pct_words_to_swap=0.1, transformations_per_example=1)

    def augment(self, text: str) -> list[str]:
        return self._aug.augment(text)


def textattack_eda():
    return TextAttackEDA()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="results/clean/mr/train.parquet")
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slow-reference-sentences", type=int, default=300,
                        help="references slower than 100 sentences/s are timed on this many sentences")
    args = parser.parse_args()
    torch.set_num_threads(1)
    base = read_rows(args.data)
    rows = [{**base[i % len(base)], "id": f"r{i}"} for i in range(args.sentences)]
    texts = [r["text"] for r in rows]
    print(f"{len(rows)} sentences, one core, median of {args.repeats}")
    print(f"{'augmenter':16s} {'ours s':>8s} {'ours sent/s':>12s} {'nlpaug s':>9s} {'nlpaug sent/s':>14s} {'ours/nlpaug':>12s}")
    for kind in ["keyboard", "ocr", "char_insert", "char_substitute", "char_swap", "char_delete", "spelling",
                 "synonym", "glove", "eda", "word_swap", "word_delete"]:
        glove = {"vocab_size": 50000, "neighbours": 10, "min_similarity": 0.6} if kind == "glove" else None
        spec = AugmenterSpec.from_config(kind, augmenter_settings(kind, word_p=0.1, char_p=0.1, max_changes=3,
                                                                  **({"glove": glove} if glove else {})))
        ours = statistics.median(timed(lambda: augment_rows(spec, "classification", 13, rows)) for _ in range(args.repeats))
        make = reference(kind)
        if make is None:
            print(f"{kind:16s} {ours:8.2f} {len(rows) / ours:12.0f} {'n/a':>9s} {'n/a':>14s} {'n/a':>12s}")
            continue
        aug = make()
        ref_texts = texts[: args.slow_reference_sentences] if kind == "eda" else texts
        ref = statistics.median(timed(lambda: [aug.augment(t) for t in ref_texts]) for _ in range(args.repeats))
        ref_rate = len(ref_texts) / ref
        print(f"{kind:16s} {ours:8.2f} {len(rows) / ours:12.0f} {ref:9.2f} {ref_rate:14.0f} {len(rows) / ours / ref_rate:11.2f}x"
              + (f"  (reference timed on {len(ref_texts)} sentences)" if len(ref_texts) < len(texts) else ""))


if __name__ == "__main__":
    main()
