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
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import nlpaug.augmenter.char as nac  # noqa: E402
import nlpaug.augmenter.word as naw  # noqa: E402
import torch  # noqa: E402

from augment.augmenters.run import augment_rows  # noqa: E402
from augment.augmenters.spec import AugmenterSpec  # noqa: E402
from augment.io.artifacts import read_rows  # noqa: E402

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
    }[kind]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="results/clean/mr/train.parquet")
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    base = read_rows(args.data)
    rows = [{**base[i % len(base)], "id": f"r{i}"} for i in range(args.sentences)]
    texts = [r["text"] for r in rows]
    print(f"{len(rows)} sentences, one core, median of {args.repeats}")
    print(f"{'augmenter':16s} {'ours s':>8s} {'ours sent/s':>12s} {'nlpaug s':>9s} {'nlpaug sent/s':>14s} {'ours/nlpaug':>12s}")
    for kind in ["keyboard", "ocr", "char_insert", "char_substitute", "char_swap", "char_delete", "spelling",
                 "synonym", "word_swap", "word_delete"]:
        spec = AugmenterSpec(name=kind, type=kind, word_p=0.1, char_p=0.1, max_changes=3)
        ours = statistics.median(timed(lambda: augment_rows(spec, "classification", 13, rows)) for _ in range(args.repeats))
        make = reference(kind)
        if make is None:
            print(f"{kind:16s} {ours:8.2f} {len(rows) / ours:12.0f} {'n/a':>9s} {'n/a':>14s} {'n/a':>12s}")
            continue
        aug = make()
        ref = statistics.median(timed(lambda: [aug.augment(t) for t in texts]) for _ in range(args.repeats))
        print(f"{kind:16s} {ours:8.2f} {len(rows) / ours:12.0f} {ref:9.2f} {len(rows) / ref:14.0f} {ref / ours:11.2f}x")


if __name__ == "__main__":
    main()
